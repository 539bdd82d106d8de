namespace IoTCerts.Issuance;

/// <summary>
/// A certificate authority operation was refused: carries an <see cref="IssuanceErrorCode"/> and a sentence an
/// operator understands. Messages never contain key material or passphrases.
/// </summary>
public sealed class IssuanceException : IoTCerts.Core.IoTCertsException<IssuanceErrorCode>
{
    /// <summary>Creates the exception.</summary>
    public IssuanceException(IssuanceErrorCode code, string message, Exception? innerException = null)
        : base(code, message, innerException)
    {
    }

    /// <summary>The stable code string, for example <c>policy-violation</c>.</summary>
    public override string CodeString => Code.ToCode();

    /// <summary>
    /// For a refused batch (<see cref="IssuanceRequest.FromCertificationRequests"/>): the 0-based position of the first
    /// request that caused the refusal, whose own error is the <see cref="Exception.InnerException"/>; otherwise null.
    /// </summary>
    public int? RequestIndex { get; init; }
}

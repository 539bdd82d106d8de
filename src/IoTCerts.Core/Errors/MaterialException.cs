namespace IoTCerts.Core;

/// <summary>
/// Certificate material could not be read or used. Carries a <see cref="MaterialErrorCode"/> and a
/// sentence an operator understands. Messages never contain key material or passphrases.
/// </summary>
public sealed class MaterialException : Exception
{
    /// <summary>Creates the exception with the default sentence for <paramref name="code"/>.</summary>
    public MaterialException(MaterialErrorCode code)
        : this(code, code.DefaultMessage())
    {
    }

    /// <summary>Creates the exception with a specific sentence.</summary>
    public MaterialException(MaterialErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>Why the material could not be read.</summary>
    public MaterialErrorCode Code { get; }

    /// <summary>Where the material came from (a file path), when known.</summary>
    public string? SourceName { get; init; }

    /// <summary>The stable code string, for example <c>wrong-passphrase</c>.</summary>
    public string CodeString => Code.ToCode();

    /// <summary>Returns a copy that names the source (file path) the material came from.</summary>
    public MaterialException WithSource(string? sourceName) =>
        sourceName is null || SourceName is not null
            ? this
            : new MaterialException(Code, Message, InnerException) { SourceName = sourceName };
}

namespace IoTCerts.Mqtt;

/// <summary>Why a client credential or identity could not be used.</summary>
public enum MqttCredentialError
{
    /// <summary>A certificate or key file does not exist or cannot be read.</summary>
    FileUnreadable = 1,

    /// <summary>The file content is not a certificate or key in a supported format (PEM, DER, PKCS#12), or the password is wrong.</summary>
    Malformed,

    /// <summary>The client certificate has no private key, or the key does not match it.</summary>
    MissingPrivateKey,

    /// <summary>The certificate does not carry the identity the platform profile needs (a CN, or the IBM Watson IoT form).</summary>
    InvalidClientIdentity,
}

/// <summary>A client certificate, key or identity could not be used. Messages never contain key material or passwords.</summary>
public sealed class MqttCredentialException : MqttException
{
    /// <summary>Creates the exception with an operator sentence.</summary>
    public MqttCredentialException(MqttCredentialError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>What is wrong with the credential.</summary>
    public MqttCredentialError Error { get; }

    /// <inheritdoc />
    public override string CodeString => Error switch
    {
        MqttCredentialError.FileUnreadable => "file-unreadable",
        MqttCredentialError.Malformed => "malformed",
        MqttCredentialError.MissingPrivateKey => "missing-private-key",
        MqttCredentialError.InvalidClientIdentity => "invalid-client-identity",
        _ => "credential-error",
    };
}

using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core;

/// <summary>
/// A device's current TLS client credential, and a signal when it is replaced. Whatever keeps the credential
/// alive (the EST renewal engine) implements it; whatever presents it (the MQTT client) follows it, so neither
/// package has to know the other.
/// </summary>
/// <remarks>
/// The contract lives in Core because every package that produces or consumes a credential already depends on Core,
/// and it does no I/O itself. <see cref="Changed"/> is raised after the new pair is in place; handlers must return
/// quickly (do the reconnect on another task).
/// </remarks>
public interface ICertificateCredentialSource
{
    /// <summary>The credential in force now, or <see langword="null"/> while there is none (before the first enrollment).</summary>
    CertificateCredential? Current { get; }

    /// <summary>Raised after <see cref="Current"/> was replaced by a new, verified credential.</summary>
    event EventHandler<CertificateCredentialChangedEventArgs>? Changed;
}

/// <summary>A client certificate with its private key, and the CA certificates sent with it (leaf first, R-10). Immutable.</summary>
public sealed class CertificateCredential
{
    /// <summary>Creates a credential.</summary>
    /// <param name="certificate">The client certificate; it must carry its private key.</param>
    /// <param name="chain">The CA certificates sent after it, issuer first; may be empty.</param>
    /// <exception cref="ArgumentException">The certificate has no private key.</exception>
    public CertificateCredential(X509Certificate2 certificate, IEnumerable<X509Certificate2>? chain = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"the client certificate ({certificate.Subject}) has no private key", nameof(certificate));
        }

        Certificate = certificate;
        Chain = [.. chain ?? []];
    }

    /// <summary>The client certificate, with its private key (a TLS-boundary type on purpose: it goes to the handshake).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificates sent with <see cref="Certificate"/>, issuer first.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }
}

/// <summary>Data of <see cref="ICertificateCredentialSource.Changed"/>.</summary>
public sealed class CertificateCredentialChangedEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="credential">The new credential.</param>
    /// <param name="keyRotated">True when the new certificate is for a new key.</param>
    public CertificateCredentialChangedEventArgs(CertificateCredential credential, bool keyRotated)
    {
        ArgumentNullException.ThrowIfNull(credential);
        Credential = credential;
        KeyRotated = keyRotated;
    }

    /// <summary>The new credential.</summary>
    public CertificateCredential Credential { get; }

    /// <summary>True when a new key was generated with the new certificate.</summary>
    public bool KeyRotated { get; }
}

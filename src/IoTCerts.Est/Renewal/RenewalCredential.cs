using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est;

/// <summary>
/// One credential the renewal engine keeps alive (identity certificate, EST identity certificate, Edge CA, ...):
/// its files, how it first enrolls, its schedule and whether each renewal rotates the key.
/// </summary>
public sealed class RenewalCredential
{
    /// <summary>A name for logs and events, e.g. <c>identity</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The live certificate file (PEM: certificate first, then its chain).</summary>
    public required string CertificatePath { get; init; }

    /// <summary>The live private key file (PKCS#8 PEM, written 0600).</summary>
    public required string KeyPath { get; init; }

    /// <summary>The EST server, trust and optional Basic credentials; the engine sets the TLS client certificate per attempt.</summary>
    public required EstClientOptions Est { get; init; }

    /// <summary>The bootstrap certificate (PEM with chain) used when there is no live certificate or it has expired .</summary>
    public string? BootstrapCertificatePath { get; init; }

    /// <summary>The bootstrap private key.</summary>
    public string? BootstrapKeyPath { get; init; }

    /// <summary>The subject of the first request when there is no live certificate, e.g. <c>CN=device-42</c>.</summary>
    public X500DistinguishedName? Subject { get; init; }

    /// <summary>When to renew and how often to retry.</summary>
    public RenewalSchedule Schedule { get; init; } = RenewalSchedule.Default;

    /// <summary>True (the default, R-72) to generate a new key at every renewal; false to re-certify the same key.</summary>
    public bool RotateKey { get; init; } = true;

    /// <summary>
    /// The CA certificates what the server issues must chain to, for servers without <c>/cacerts</c> (Cumulocity's
    /// certificate-authority enrollment has none). When set, <c>/cacerts</c> is never requested: issued certificates are
    /// checked against these, and the periodic CA check compares the live certificate with them. Null (the
    /// default): the server's <c>/cacerts</c> answer, fetched before every request, is the set (est-notes).
    /// </summary>
    public IReadOnlyList<X509Certificate2>? IssuerTrustAnchors { get; init; }

    /// <summary>Where to write the /cacerts answer (PEM), the trust anchors for what the server issues; optional.</summary>
    public string? CaCertificatesPath { get; init; }

    /// <summary>
    /// How often, between renewals, the engine asks /cacerts whether the certificate still chains to the server's CA
    /// set; when it does not (the issuing CA was renewed or re-keyed, R-74) the certificate is renewed at once. Null
    /// checks only against the saved <see cref="CaCertificatesPath"/> set. Default one day.
    /// </summary>
    public TimeSpan? CaCheckInterval { get; init; } = TimeSpan.FromDays(1);
}

/// <summary>What one attempt on a credential did.</summary>
public enum RenewalStatus
{
    /// <summary>The certificate is not due; nothing was sent.</summary>
    NotDue,

    /// <summary>A new certificate was obtained, verified and promoted.</summary>
    Renewed,

    /// <summary>The server has not decided yet (202); the same request is retried later.</summary>
    Pending,

    /// <summary>A transport or server error; retried after the retry interval. The old pair is kept.</summary>
    Failed,

    /// <summary>The answer was unusable (wrong key, not chaining, expired, unparseable) and discarded. The old pair is kept.</summary>
    Rejected,
}

/// <summary>The result of one attempt on one credential.</summary>
public sealed class RenewalOutcome
{
    internal RenewalOutcome(RenewalCredential credential, RenewalStatus status, DateTimeOffset nextAttempt, string? detail, X509Certificate2? certificate, DateTimeOffset? scheduledRenewal = null)
    {
        ScheduledRenewal = scheduledRenewal;
        Credential = credential;
        Status = status;
        NextAttempt = nextAttempt;
        Detail = detail;
        Certificate = certificate;
    }

    /// <summary>The credential.</summary>
    public RenewalCredential Credential { get; }

    /// <summary>What happened.</summary>
    public RenewalStatus Status { get; }

    /// <summary>When the engine will look at this credential again (a renewal, a retry, or a CA check, R-74).</summary>
    public DateTimeOffset NextAttempt { get; }

    /// <summary>When the current certificate is due for renewal by its schedule (NotDue and Renewed), or null.</summary>
    public DateTimeOffset? ScheduledRenewal { get; }

    /// <summary>Why (an operator sentence) for Failed, Rejected and Pending.</summary>
    public string? Detail { get; }

    /// <summary>The live certificate after the attempt, if any.</summary>
    public X509Certificate2? Certificate { get; }
}

/// <summary>Raised after a credential's files were replaced by a new, verified pair (reconnect with it).</summary>
public sealed class CredentialChangedEventArgs : EventArgs
{
    internal CredentialChangedEventArgs(RenewalCredential credential, X509Certificate2 certificate, bool keyRotated)
    {
        Credential = credential;
        Certificate = certificate;
        KeyRotated = keyRotated;
    }

    /// <summary>The credential whose files changed.</summary>
    public RenewalCredential Credential { get; }

    /// <summary>The new certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>True when a new key was generated.</summary>
    public bool KeyRotated { get; }
}

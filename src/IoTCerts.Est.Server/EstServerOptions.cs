namespace IoTCerts.Est.Server;

/// <summary>Settings of the EST endpoints mapped by <c>MapEst</c>.</summary>
public sealed class EstServerOptions
{
    /// <summary>The CA that answers /cacerts and issues certificates. Required.</summary>
    public IEstCertificateIssuer? Issuer { get; set; }

    /// <summary>Who may enroll (simpleenroll, serverkeygen); any one saying yes is enough. Re-enrollment is authorized by the current certificate.</summary>
    public IList<IEstAuthorizer> Authorizers { get; } = [];

    /// <summary>Send <c>WWW-Authenticate: Basic</c> with 401 so clients offer Basic credentials (set when a Basic or OTP authorizer is used).</summary>
    public bool OfferBasicAuthentication { get; set; }

    /// <summary>Optional manual approval (202 + Retry-After until decided).</summary>
    public IEstApprovalPolicy? Approval { get; set; }

    /// <summary>The DER CsrAttrs body of /csrattrs (build with <c>CsrAttributes.Encode</c>); null answers 204.</summary>
    public byte[]? CsrAttributes { get; set; }

    /// <summary>Allow /serverkeygen (RFC 7030 section 4.4); the server then creates ECDSA P-256 keys.</summary>
    public bool AllowServerKeyGeneration { get; set; } = true;

    /// <summary>Accepted labels; empty accepts the unlabeled path only, null accepts any label.</summary>
    public ISet<string>? Labels { get; set; }

    /// <summary>Request bodies larger than this are refused with 413.</summary>
    public int MaxRequestBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// How long an enrollment answer is kept for a retry: the same CSR from the same authenticated client (TLS
    /// certificate or Basic user) on the same operation gets the same certificate back instead of a second issue (a
    /// device whose response was lost retries exactly that request). <see cref="TimeSpan.Zero"/> turns it off.
    /// Server-generated keys are never kept, so /serverkeygen is not replayed.
    /// </summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many answers <see cref="RetryWindow"/> keeps at most (oldest dropped first).</summary>
    public int RetryCapacity { get; set; } = 10_000;

    /// <summary>
    /// Whether enrollments must carry the tls-unique link of RFC 7030 section 3.5 in the CSR's challengePassword (TLS 1.2
    /// only; see <see cref="EstProofOfPossession"/>). When set and <see cref="CsrAttributes"/> is null, /csrattrs asks
    /// for challengePassword so that clients know to supply it.
    /// </summary>
    public EstProofOfPossession ProofOfPossession { get; set; }

    /// <summary>
    /// Put the issuer's whole answer (the certificate and its CA chain) in enroll, re-enroll and serverkeygen answers.
    /// Off by default: RFC 7030 section 4.2.3 says the answer holds only the issued certificate (the chain is /cacerts),
    /// and some clients refuse more. Only for EST-style deployments whose clients never call /cacerts.
    /// </summary>
    public bool IncludeChainInEnrollmentResponses { get; set; }

    /// <summary>Which current certificates may re-enroll (revoked, expired, superseded by a rekey); see <see cref="EstReenrollmentPolicy"/>.</summary>
    public EstReenrollmentPolicy Reenrollment { get; set; } = EstReenrollmentPolicy.Default;

    /// <summary>The clock (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

namespace IoTCerts.Est.Server;

/// <summary>The EST operations (RFC 7030 section 3.2.2).</summary>
public enum EstOperation
{
    /// <summary>GET /cacerts.</summary>
    CaCertificates,

    /// <summary>GET /csrattrs.</summary>
    CsrAttributes,

    /// <summary>POST /simpleenroll.</summary>
    Enroll,

    /// <summary>POST /simplereenroll.</summary>
    Reenroll,

    /// <summary>POST /serverkeygen.</summary>
    ServerKeyGeneration,
}

/// <summary>What an authorizer or approval policy sees of one request. The Basic password is for checking only, never for logs.</summary>
public sealed class EstRequestContext
{
    private readonly List<string> _refusalReasons;

    internal EstRequestContext(EstOperation operation, string? label, X509Certificate2? clientCertificate, string? userName, string? password, CertificateRequest? request, DateTimeOffset now, IReadOnlyList<Certificate>? presentedIntermediates = null)
    {
        Operation = operation;
        Label = label;
        ClientCertificate = clientCertificate;
        UserName = userName;
        Password = password;
        Request = request;
        Now = now;
        PresentedIntermediates = presentedIntermediates ?? [];
        _refusalReasons = [];
    }

    private EstRequestContext(EstRequestContext authenticated, CertificateRequest request)
        : this(authenticated.Operation, authenticated.Label, authenticated.ClientCertificate, authenticated.UserName, authenticated.Password, request, authenticated.Now, authenticated.PresentedIntermediates)
    {
        _refusalReasons = authenticated._refusalReasons;
    }

    /// <summary>The operation.</summary>
    public EstOperation Operation { get; }

    /// <summary>The label segment, or null.</summary>
    public string? Label { get; }

    /// <summary>The TLS client certificate, if the client presented one.</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>The HTTP Basic user name, if sent.</summary>
    public string? UserName { get; }

    /// <summary>The HTTP Basic password, if sent.</summary>
    public string? Password { get; }

    /// <summary>
    /// The other certificates the client sent with <see cref="ClientCertificate"/> in the TLS handshake (its
    /// intermediates, in the order sent; possibly a copy of the root), empty when it sent none.
    /// </summary>
    public IReadOnlyList<Certificate> PresentedIntermediates { get; }

    /// <summary>
    /// The verified certification request (enroll, re-enroll, serverkeygen) — null while authorizers run: the client is
    /// authenticated before its body is read, so an unauthenticated client cannot make the server parse anything.
    /// </summary>
    public CertificateRequest? Request { get; }

    /// <summary>The server's current time.</summary>
    public DateTimeOffset Now { get; }

    /// <summary>Why authorizers said no (logged with the 401, never sent to the client).</summary>
    internal IReadOnlyList<string> RefusalReasons => _refusalReasons;

    /// <summary>Records why an authorizer refused this request, for the server log.</summary>
    internal void AddRefusalReason(string reason) => _refusalReasons.Add(reason);

    /// <summary>The same request once its body has been read and checked.</summary>
    internal EstRequestContext WithRequest(CertificateRequest request) => new(this, request);
}

using System.Security.Cryptography.X509Certificates;

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
    internal EstRequestContext(EstOperation operation, string? label, X509Certificate2? clientCertificate, string? userName, string? password, CertificateRequest? request, DateTimeOffset now)
    {
        Operation = operation;
        Label = label;
        ClientCertificate = clientCertificate;
        UserName = userName;
        Password = password;
        Request = request;
        Now = now;
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

    /// <summary>The verified certification request (enroll, re-enroll, serverkeygen).</summary>
    public CertificateRequest? Request { get; }

    /// <summary>The server's current time.</summary>
    public DateTimeOffset Now { get; }
}

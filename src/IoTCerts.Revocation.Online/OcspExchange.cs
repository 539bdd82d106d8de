using System.Globalization;
using System.Security.Cryptography;
using IoTCerts.Core;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Ocsp;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace IoTCerts.Revocation.Online;

/// <summary>One OCSP request and the verification of its response (RFC 6960 §3.2, §4.2.2.2), with BouncyCastle's codec.</summary>
internal sealed class OcspExchange
{
    private readonly CertificateID _id;
    private readonly BcCertificate _issuer;
    private readonly byte[]? _nonceValue;

    private OcspExchange(CertificateID id, BcCertificate issuer, byte[]? nonceValue, byte[] requestDer)
    {
        _id = id;
        _issuer = issuer;
        _nonceValue = nonceValue;
        RequestDer = requestDer;
    }

    public byte[] RequestDer { get; }

    public static OcspExchange Create(Certificate certificate, Certificate issuer, bool useNonce)
    {
        var bcIssuer = new BcCertificate(issuer.RawData.ToArray());
        var serial = new Org.BouncyCastle.Math.BigInteger(1, certificate.SerialNumber.ToArray());
        // SHA-1 CertIDs are what RFC 5019 responders (and openssl ocsp) index by; the hash only names the issuer.
        var id = new CertificateID(CertificateID.DigestSha1, bcIssuer, serial);
        var generator = new OcspReqGenerator();
        generator.AddRequest(id);
        byte[]? nonceValue = null;
        if (useNonce)
        {
            // RFC 8954: a nonce of 1..32 octets; the extension value is the DER OCTET STRING holding it.
            nonceValue = new DerOctetString(RandomNumberGenerator.GetBytes(32)).GetEncoded();
            generator.SetRequestExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, X509Extension>
            {
                [OcspObjectIdentifiers.PkixOcspNonce] = new X509Extension(false, new DerOctetString(nonceValue)),
            }));
        }

        return new OcspExchange(id, bcIssuer, nonceValue, generator.Generate().GetEncoded());
    }

    public OcspFetchResult Verify(byte[] body, Uri responder, DateTimeOffset now, OcspClientOptions options)
    {
        try
        {
            return VerifyParsed(new OcspResp(body), responder, now, options);
        }
        catch (Exception ex) when (ex is IOException or OcspException or ArgumentException or InvalidCastException or InvalidOperationException
            or Org.BouncyCastle.Security.SecurityUtilityException or Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException
            or Asn1Exception or FormatException)
        {
            return Invalid(responder, $"the response is not a valid OCSP response ({ex.Message})");
        }
    }

    private OcspFetchResult VerifyParsed(OcspResp response, Uri responder, DateTimeOffset now, OcspClientOptions options)
    {
        if (response.Status != OcspRespStatus.Successful)
        {
            return OcspFetchResult.Failed(OcspFailure.ResponderError, $"OCSP responder {responder} answered {StatusName(response.Status)}");
        }

        if (response.GetResponseObject() is not BasicOcspResp basic)
        {
            return Invalid(responder, "the response is not an id-pkix-ocsp-basic response");
        }

        if (!SignedByIssuerOrDelegate(basic, now, options, out var signerProblem))
        {
            return Invalid(responder, signerProblem);
        }

        if (_nonceValue is not null)
        {
            var echoed = basic.GetExtensionValue(OcspObjectIdentifiers.PkixOcspNonce);
            if (echoed is null)
            {
                if (options.RequireNonce)
                {
                    return Invalid(responder, "the response does not echo the request's nonce");
                }
            }
            else if (!CryptographicOperations.FixedTimeEquals(echoed.GetOctets(), _nonceValue))
            {
                return Invalid(responder, "the response's nonce does not match the request's (a replayed or misdirected response)");
            }
        }

        SingleResp? single = null;
        foreach (var candidate in basic.Responses)
        {
            if (Matches(candidate.GetCertID()))
            {
                single = candidate;
                break;
            }
        }

        if (single is null)
        {
            return Invalid(responder, $"the response holds no answer for serial {_id.SerialNumber.ToString(16).ToUpperInvariant()}");
        }

        var thisUpdate = new DateTimeOffset(DateTime.SpecifyKind(single.ThisUpdate, DateTimeKind.Utc));
        DateTimeOffset? nextUpdate = single.NextUpdate is { } next ? new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc)) : null;
        var until = nextUpdate ?? thisUpdate + options.MaxAgeWithoutNextUpdate;
        if (thisUpdate > now + options.ClockSkew || until < now - options.ClockSkew)
        {
            return Invalid(responder, string.Create(CultureInfo.InvariantCulture,
                $"the response is out of date (thisUpdate {thisUpdate:u}, {(nextUpdate is null ? "no nextUpdate" : $"nextUpdate {nextUpdate:u}")}, now {now:u})"));
        }

        var status = single.GetCertStatus();
        return status switch
        {
            null => OcspFetchResult.Verified(OcspCertificateStatus.Good, thisUpdate, nextUpdate, null, null, $"OCSP responder {responder}: good"),
            RevokedStatus revoked => Revoked(revoked, thisUpdate, nextUpdate, responder),
            _ => OcspFetchResult.Verified(OcspCertificateStatus.Unknown, thisUpdate, nextUpdate, null, null, $"OCSP responder {responder}: unknown"),
        };
    }

    private static OcspFetchResult Revoked(RevokedStatus revoked, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, Uri responder)
    {
        var at = new DateTimeOffset(DateTime.SpecifyKind(revoked.RevocationTime, DateTimeKind.Utc));
        var reason = revoked.HasRevocationReason ? ReasonName(revoked.RevocationReason) : null;
        return OcspFetchResult.Verified(OcspCertificateStatus.Revoked, thisUpdate, nextUpdate, at, reason,
            string.Create(CultureInfo.InvariantCulture, $"OCSP responder {responder}: revoked on {at:u}{(reason is null ? string.Empty : $" ({reason})")}"));
    }

    // RFC 6960 §4.1.1: a responder may hash the issuer with another algorithm than the request did.
    private bool Matches(CertificateID answered)
    {
        if (!answered.SerialNumber.Equals(_id.SerialNumber))
        {
            return false;
        }

        if (answered.HashAlgOid == _id.HashAlgOid)
        {
            return answered.Equals(_id);
        }

        try
        {
            var rehashed = new CertificateID(new AlgorithmIdentifier(new DerObjectIdentifier(answered.HashAlgOid), DerNull.Instance), _issuer, _id.SerialNumber);
            return answered.Equals(rehashed);
        }
        catch (OcspException)
        {
            return false;
        }
    }

    // RFC 6960 §4.2.2.2: the CA that issued the certificate signs, or a responder certificate the CA issued directly
    // with id-kp-OCSPSigning in its extendedKeyUsage, valid now.
    private bool SignedByIssuerOrDelegate(BasicOcspResp basic, DateTimeOffset now, OcspClientOptions options, out string problem)
    {
        if (basic.Verify(_issuer.GetPublicKey()))
        {
            problem = string.Empty;
            return true;
        }

        foreach (var candidate in basic.GetCerts() ?? [])
        {
            if (!basic.Verify(candidate.GetPublicKey()))
            {
                continue;
            }

            if (!candidate.IssuerDN.Equivalent(_issuer.SubjectDN) || !SignatureVerifies(candidate))
            {
                problem = $"the response is signed by \"{candidate.SubjectDN}\", which the certificate's issuer did not issue";
                return false;
            }

            var usages = candidate.GetExtendedKeyUsage();
            if (usages is null || !usages.Contains(KeyPurposeID.id_kp_OCSPSigning))
            {
                problem = $"the response is signed by \"{candidate.SubjectDN}\", which lacks the id-kp-OCSPSigning extended key usage";
                return false;
            }

            var from = new DateTimeOffset(DateTime.SpecifyKind(candidate.NotBefore, DateTimeKind.Utc));
            var to = new DateTimeOffset(DateTime.SpecifyKind(candidate.NotAfter, DateTimeKind.Utc));
            if (now < from - options.ClockSkew || now > to + options.ClockSkew)
            {
                problem = $"the response is signed by \"{candidate.SubjectDN}\", which is not valid now";
                return false;
            }

            problem = string.Empty;
            return true;
        }

        problem = "the response's signature verifies neither with the issuer's key nor with a responder certificate it carries";
        return false;
    }

    private bool SignatureVerifies(BcCertificate candidate)
    {
        try
        {
            candidate.Verify(_issuer.GetPublicKey());
            return true;
        }
        catch (Org.BouncyCastle.Security.GeneralSecurityException)
        {
            return false;
        }
        catch (Org.BouncyCastle.Crypto.CryptoException)
        {
            return false;
        }
    }

    private static OcspFetchResult Invalid(Uri responder, string problem) =>
        OcspFetchResult.Failed(OcspFailure.InvalidResponse, $"OCSP responder {responder}: {problem}");

    private static string StatusName(int status) => status switch
    {
        OcspRespStatus.MalformedRequest => "malformedRequest",
        OcspRespStatus.InternalError => "internalError",
        OcspRespStatus.TryLater => "tryLater",
        OcspRespStatus.SigRequired => "sigRequired",
        OcspRespStatus.Unauthorized => "unauthorized",
        _ => string.Create(CultureInfo.InvariantCulture, $"status {status}"),
    };

    /// <summary>The RFC 5280 §5.3.1 name of a CRLReason code.</summary>
    internal static string ReasonName(int reason) => reason switch
    {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => string.Create(CultureInfo.InvariantCulture, $"reason {reason}"),
    };
}

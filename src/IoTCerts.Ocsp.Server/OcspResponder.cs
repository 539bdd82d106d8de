using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Issuance;
using Org.BouncyCastle.Ocsp;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;
using OcspStatus = Org.BouncyCastle.Ocsp.CertificateStatus;

namespace IoTCerts.Ocsp.Server;

/// <summary>
/// Answers OCSP requests (RFC 6960) for the certificates a <see cref="CertificateAuthority"/> issued, from its
/// database: good, revoked (with time and reason), or unknown for a serial it never issued or another issuer.
/// Responses are signed by the CA key, or by a delegated responder certificate the CA issued with
/// id-kp-OCSPSigning (RFC 6960 §4.2.2.2). Single-certificate answers are pre-signed and reused per serial for the
/// first half of their validity, unless the serial's record changed (a revocation) or <see cref="Invalidate"/> was
/// called. Requests that do not parse are answered malformedRequest. Thread-safe.
/// </summary>
/// <remarks>
/// Pre-signed answers carry no nonce (RFC 5019 §2.2.1): clients that insist on one see it missing. The responder
/// does not own the authority or the keys; dispose them after the responder's last use.
/// </remarks>
public sealed class OcspResponder
{
    private readonly CertificateAuthority _authority;
    private readonly BcCertificate _caCertificate;
    private readonly BcCertificate? _delegate;
    private readonly DotNetSignatureFactory _signer;
    private readonly RespID _responderId;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Presigned> _presigned = new(StringComparer.Ordinal);
    private Dictionary<string, CertificateRecord>? _records;
    private DateTimeOffset _recordsReadAt;
    private int _signatures;

    /// <summary>A responder that signs with the CA key.</summary>
    public OcspResponder(CertificateAuthority authority, OcspResponderOptions? options = null, TimeProvider? timeProvider = null)
        : this(authority, null, null, options, timeProvider, delegated: false)
    {
    }

    /// <summary>A responder that signs with a delegated responder certificate (issued by the CA, with id-kp-OCSPSigning) and its key.</summary>
    /// <exception cref="ArgumentException">The certificate was not issued by the CA's key, lacks id-kp-OCSPSigning, or does not match the key.</exception>
    public OcspResponder(CertificateAuthority authority, X509Certificate2 responderCertificate, SigningKey responderKey, OcspResponderOptions? options = null, TimeProvider? timeProvider = null)
        : this(authority, responderCertificate ?? throw new ArgumentNullException(nameof(responderCertificate)), responderKey ?? throw new ArgumentNullException(nameof(responderKey)), options, timeProvider, true)
    {
    }

    private OcspResponder(CertificateAuthority authority, X509Certificate2? responderCertificate, SigningKey? responderKey, OcspResponderOptions? options, TimeProvider? timeProvider, bool delegated)
    {
        ArgumentNullException.ThrowIfNull(authority);
        _authority = authority;
        Options = options ?? OcspResponderOptions.Default;
        _time = timeProvider ?? TimeProvider.System;
        _caCertificate = new BcCertificate(authority.Certificate.RawData);
        if (delegated)
        {
            _delegate = new BcCertificate(responderCertificate!.RawData);
            CheckDelegate(_delegate, responderCertificate, responderKey!);
            _signer = new DotNetSignatureFactory(responderKey!.CreateSignatureGenerator(), responderKey.HashAlgorithm);
            _responderId = new RespID(_delegate.SubjectDN);
        }
        else
        {
            _signer = new DotNetSignatureFactory(authority.Key.CreateSignatureGenerator(), authority.Key.HashAlgorithm);
            _responderId = new RespID(_caCertificate.SubjectDN);
        }
    }

    /// <summary>The limits and lifetimes.</summary>
    public OcspResponderOptions Options { get; }

    /// <summary>How many responses were signed (pre-signed answers reused are not counted).</summary>
    public int SignatureCount => Volatile.Read(ref _signatures);

    /// <summary>Forgets the pre-signed answer for <paramref name="serialNumber"/> (hex) and re-reads the CA index at the next request (call after revoking in this process).</summary>
    public void Invalidate(string serialNumber)
    {
        ArgumentNullException.ThrowIfNull(serialNumber);
        var serial = serialNumber.Replace(":", string.Empty, StringComparison.Ordinal).TrimStart('0').ToUpperInvariant();
        lock (_gate)
        {
            foreach (var key in _presigned.Keys.Where(k => k.EndsWith(":" + serial, StringComparison.Ordinal)).ToList())
            {
                _presigned.Remove(key);
            }

            _records = null;
        }
    }

    /// <summary>The DER OCSPResponse for the DER OCSPRequest <paramref name="request"/>: malformedRequest when it does not parse or asks about no (or too many) certificates.</summary>
    public byte[] Respond(ReadOnlySpan<byte> request) => Answer(request).Response;

    internal (byte[] Response, DateTimeOffset? NextUpdate) Answer(ReadOnlySpan<byte> request)
    {
        OcspReq parsed;
        Req[] asked;
        try
        {
            if (request.Length == 0 || request.Length > Options.MaxRequestSize)
            {
                return (Malformed(), null);
            }

            parsed = new OcspReq(request.ToArray());
            asked = parsed.GetRequestList();
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or InvalidCastException or InvalidOperationException or FormatException
            or Org.BouncyCastle.Asn1.Asn1Exception or OverflowException)
        {
            return (Malformed(), null);
        }

        if (asked.Length == 0 || asked.Length > Options.MaxCertificatesPerRequest)
        {
            return (Malformed(), null);
        }

        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var records = Records(now);
            if (asked.Length == 1)
            {
                var id = asked[0].GetCertID();
                var serial = SerialHex(id);
                var key = id.HashAlgOid + ":" + serial;
                var record = IssuedHere(id) ? records.GetValueOrDefault(serial) : null;
                if (_presigned.TryGetValue(key, out var cached) && cached.Record == record && now < cached.ReuseUntil && cached.Id.Equals(id))
                {
                    return (cached.Response, cached.NextUpdate);
                }

                var (response, nextUpdate) = Sign([(id, record)], now);
                _presigned[key] = new Presigned(id, record, response, now + Options.ResponseValidity / 2, nextUpdate);
                return (response, nextUpdate);
            }

            return Sign([.. asked.Select(r => r.GetCertID()).Select(id => (id, IssuedHere(id) ? records.GetValueOrDefault(SerialHex(id)) : null))], now);
        }
    }

    private (byte[] Response, DateTimeOffset NextUpdate) Sign(IEnumerable<(CertificateID Id, CertificateRecord? Record)> answers, DateTimeOffset now)
    {
        var thisUpdate = now.UtcDateTime;
        var nextUpdate = now + Options.ResponseValidity;
        var generator = new BasicOcspRespGenerator(_responderId);
        foreach (var (id, record) in answers)
        {
            OcspStatus? status = record switch
            {
                null => new UnknownStatus(),
                { Status: IoTCerts.Issuance.CertificateStatus.Revoked } revoked => new RevokedStatus(
                    (revoked.RevokedAt ?? now).UtcDateTime, (int)(revoked.Reason ?? X509RevocationReason.Unspecified)),
                _ => OcspStatus.Good,
            };
            generator.AddResponse(id, status, thisUpdate, nextUpdate.UtcDateTime, null);
        }

        var chain = _delegate is null ? null : new[] { _delegate };
        var basic = generator.Generate(_signer, chain, thisUpdate);
        Interlocked.Increment(ref _signatures);
        return (new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded(), nextUpdate);
    }

    private static byte[] Malformed() => new OCSPRespGenerator().Generate(OCSPRespGenerator.MalformedRequest, null).GetEncoded();

    // RFC 6960 §4.1.1: the CertID names the issuer by the hash of its name and key; any other issuer is "unknown".
    private bool IssuedHere(CertificateID id)
    {
        try
        {
            return id.MatchesIssuer(_caCertificate);
        }
        catch (OcspException)
        {
            return false;
        }
    }

    private static string SerialHex(CertificateID id)
    {
        var bytes = id.SerialNumber.ToByteArrayUnsigned();
        return bytes.Length == 0 ? "00" : Convert.ToHexString(bytes);
    }

    private Dictionary<string, CertificateRecord> Records(DateTimeOffset now)
    {
        if (_records is null || now - _recordsReadAt >= Options.IndexRefreshInterval || now < _recordsReadAt)
        {
            _records = _authority.Database.ReadRecords().ToDictionary(r => r.SerialNumber, StringComparer.Ordinal);
            _recordsReadAt = now;
        }

        return _records;
    }

    private void CheckDelegate(BcCertificate responder, X509Certificate2 certificate, SigningKey key)
    {
        try
        {
            responder.Verify(_caCertificate.GetPublicKey());
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException)
        {
            throw new ArgumentException($"the responder certificate \"{certificate.Subject}\" is not issued by the CA \"{_authority.Certificate.Subject}\" (RFC 6960 §4.2.2.2)", nameof(certificate), ex);
        }

        var usages = responder.GetExtendedKeyUsage();
        if (usages is null || !usages.Contains(Org.BouncyCastle.Asn1.X509.KeyPurposeID.id_kp_OCSPSigning))
        {
            throw new ArgumentException($"the responder certificate \"{certificate.Subject}\" lacks the id-kp-OCSPSigning extended key usage", nameof(certificate));
        }

        if (!key.Matches(certificate.PublicKey))
        {
            throw new ArgumentException($"the responder key does not belong to the responder certificate \"{certificate.Subject}\"", nameof(key));
        }
    }

    private sealed record Presigned(CertificateID Id, CertificateRecord? Record, byte[] Response, DateTimeOffset ReuseUntil, DateTimeOffset NextUpdate);
}

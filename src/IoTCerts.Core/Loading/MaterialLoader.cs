using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace IoTCerts.Core;

/// <summary>
/// The single entry point for reading certificate material: certificates, keys, CSRs and CRLs in PEM, DER,
/// armorless base64, PKCS#7 or PKCS#12, detected from the content and never from a file name (R-01..R-03).
/// Every failure is a <see cref="MaterialException"/>; every input is bounded by <see cref="MaterialLimits"/>.
/// </summary>
public static class MaterialLoader
{
    /// <summary>Reads everything in <paramref name="data"/>.</summary>
    /// <exception cref="MaterialException">The data cannot be read; <see cref="MaterialException.Code"/> says why.</exception>
    public static LoadedMaterial Load(ReadOnlyMemory<byte> data, LoadOptions? options = null)
    {
        options ??= new LoadOptions();
        var limits = options.Limits ?? MaterialLimits.Default;
        limits.Validate();
        try
        {
            return LoadCore(data, options.Password, options.KeyPassword, limits);
        }
        catch (MaterialException)
        {
            throw;
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException or FormatException or ArgumentException or OverflowException or InvalidOperationException or NotSupportedException)
        {
            // The parsers below map what they expect; anything else that a corrupt input provokes is still corrupt input.
            throw new MaterialException(MaterialErrorCode.Malformed, MaterialErrorCode.Malformed.DefaultMessage(), ex);
        }
    }

    /// <summary>Reads everything in <paramref name="data"/> without throwing for bad input.</summary>
    public static bool TryLoad(ReadOnlyMemory<byte> data, LoadOptions? options, [NotNullWhen(true)] out LoadedMaterial? material, [NotNullWhen(false)] out MaterialException? error) =>
        Try(() => Load(data, options), out material, out error);

    /// <summary>Reads everything in the file at <paramref name="path"/>; errors name the file in <see cref="MaterialException.SourceName"/>.</summary>
    /// <exception cref="MaterialException">The file is missing, unreadable or cannot be read as material.</exception>
    public static LoadedMaterial LoadFile(string path, LoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var limits = options?.Limits ?? MaterialLimits.Default;
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw Directory.Exists(path)
                    ? new MaterialException(MaterialErrorCode.FileUnreadable, $"'{path}' is a directory, not a file") { SourceName = path }
                    : new MaterialException(MaterialErrorCode.FileNotFound, $"the file '{path}' does not exist") { SourceName = path };
            }

            if (info.Length > limits.MaxInputBytes)
            {
                throw new MaterialException(MaterialErrorCode.InputTooLarge, $"the file '{path}' is {info.Length} bytes; the limit is {limits.MaxInputBytes}") { SourceName = path };
            }

            bytes = ReadBounded(path, limits.MaxInputBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException)
        {
            throw new MaterialException(MaterialErrorCode.FileUnreadable, $"the file '{path}' could not be read: {ex.Message}", ex) { SourceName = path };
        }

        try
        {
            return Load(bytes, options);
        }
        catch (MaterialException ex)
        {
            throw ex.WithSource(path);
        }
    }

    /// <summary>Reads everything in the file at <paramref name="path"/> without throwing for bad input.</summary>
    public static bool TryLoadFile(string path, LoadOptions? options, [NotNullWhen(true)] out LoadedMaterial? material, [NotNullWhen(false)] out MaterialException? error) =>
        Try(() => LoadFile(path, options), out material, out error);

    // The Try pattern of every loader entry point: bad input is a MaterialException turned into false.
    private static bool Try(Func<LoadedMaterial> load, [NotNullWhen(true)] out LoadedMaterial? material, [NotNullWhen(false)] out MaterialException? error)
    {
        try
        {
            material = load();
            error = null;
            return true;
        }
        catch (MaterialException ex)
        {
            material = null;
            error = ex;
            return false;
        }
    }

    /// <summary>
    /// Reads at most one byte more than the limit, so a device or pipe that never ends (for example
    /// <c>/dev/zero</c>, whose reported length is 0) cannot exhaust memory.
    /// </summary>
    private static byte[] ReadBounded(string path, long maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new MaterialException(MaterialErrorCode.InputTooLarge, $"the file '{path}' is larger than the limit of {maxBytes} bytes") { SourceName = path };
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static LoadedMaterial LoadCore(ReadOnlyMemory<byte> data, string? password, string? keyPassword, MaterialLimits limits)
    {
        if (data.Length > limits.MaxInputBytes)
        {
            throw new MaterialException(MaterialErrorCode.InputTooLarge, $"the input is {data.Length} bytes; the limit is {limits.MaxInputBytes}");
        }

        var span = data.Span;
        if (span.StartsWith("\uFEFF"u8))
        {
            data = data[3..];
            span = data.Span;
        }

        int start = 0;
        while (start < span.Length && IsWhiteSpace(span[start]))
        {
            start++;
        }

        if (start == span.Length)
        {
            throw new MaterialException(MaterialErrorCode.Empty);
        }

        var collector = new MaterialCollector(limits);
        MaterialFormat format;
        if (CryptoExtensions.FindReader(span) is { } reader)
        {
            format = MaterialFormat.Keystore;
            LoadContainer(reader, data, password, keyPassword ?? password, collector);
        }
        else if (span.StartsWith(JksMagic) || span.StartsWith(JceksMagic))
        {
            throw new MaterialException(
                MaterialErrorCode.UnknownFormat,
                span.StartsWith(JksMagic)
                    ? "the input is a Java keystore (JKS); reading it needs the IoTCerts.BouncyCastle package (IoTCertsBouncyCastle.Register()), or convert it with keytool -importkeystore -deststoretype PKCS12"
                    : "the input is a Java JCEKS keystore, which IoTCerts does not read; convert it with keytool -importkeystore -deststoretype PKCS12");
        }
        else if (span[start] == 0x30 && start == 0)
        {
            format = LoadDer(data, password, limits, collector, null, MaterialFormat.Der);
        }
        else
        {
            var text = Encoding.Latin1.GetString(span);
            if (PemReader.ContainsPem(text))
            {
                format = MaterialFormat.Pem;
                LoadPem(PemReader.Read(text, limits), password, limits, collector);
            }
            else if (IsBase64(span))
            {
                var der = DecodeBase64(text);
                LoadDer(der, password, limits, collector, null, MaterialFormat.Base64);
                format = MaterialFormat.Base64;
            }
            else
            {
                throw new MaterialException(MaterialErrorCode.UnknownFormat);
            }
        }

        if (!collector.HasItems)
        {
            var skipped = collector.SkippedItems;
            throw new MaterialException(
                MaterialErrorCode.NothingFound,
                skipped.Count == 0
                    ? "the input holds no certificate, key, CSR or CRL"
                    : "the input holds nothing IoTCerts can use; skipped: " + string.Join(", ", skipped.Select(s => s.Description)));
        }

        return collector.Build(format);
    }

    // Java's keystore magic numbers (JKS 0xFEEDFEED, JCEKS 0xCECECECE), recognised even when no reader is registered.
    private static ReadOnlySpan<byte> JksMagic => [0xFE, 0xED, 0xFE, 0xED];

    private static ReadOnlySpan<byte> JceksMagic => [0xCE, 0xCE, 0xCE, 0xCE];

    private static void LoadContainer(IMaterialContainerReader reader, ReadOnlyMemory<byte> data, string? password, string? keyPassword, MaterialCollector collector)
    {
        var protection = $"{reader.FormatName} store password";
        foreach (var entry in reader.Read(data, password, keyPassword))
        {
            collector.CountObject();
            var origin = new MaterialOrigin(MaterialFormat.Keystore, null, protection, entry.Alias, null);
            if (entry.Pkcs8PrivateKey is { } pkcs8)
            {
                collector.AddKey(PrivateKey.FromPkcs8(pkcs8.Span, origin));
            }

            foreach (var certificate in entry.Certificates)
            {
                collector.AddCertificate(Certificate.Parse(certificate), origin);
            }
        }
    }

    private static MaterialFormat LoadDer(ReadOnlyMemory<byte> der, string? password, MaterialLimits limits, MaterialCollector collector, string? pemLabel, MaterialFormat format)
    {
        int length = DerStructure.CheckComplete(der.Span, "DER data");
        if (length != der.Length)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the DER data has trailing bytes after its first structure");
        }

        DerStructure.CheckNesting(der, AsnEncodingRules.BER, limits, intoOctetStrings: false);
        var origin = new MaterialOrigin(format, pemLabel, null, null, null);
        collector.CountObject();
        switch (DerStructure.Classify(der))
        {
            case DerKind.Certificate:
                collector.AddCertificate(Certificate.Parse(der), origin);
                return format;
            case DerKind.CertificationRequest:
                collector.AddRequest(CertificationRequest.Parse(der));
                return format;
            case DerKind.Crl:
                collector.AddCrl(CertificateRevocationList.Parse(der));
                return format;
            case DerKind.Pkcs8PrivateKey:
                collector.AddKey(PrivateKey.FromPkcs8(der.Span, origin));
                return format;
            case DerKind.EncryptedPkcs8PrivateKey:
                collector.AddKey(PrivateKeyDecoder.FromEncryptedPkcs8(der, password, requirePassword: true, limits, collector.Kdf, speculative: false, p => new MaterialOrigin(format, pemLabel, p, null, null), "PKCS#8 "));
                return format;
            case DerKind.Pkcs1RsaPrivateKey:
                collector.AddKey(PrivateKeyDecoder.FromPkcs1(der.Span, origin));
                return format;
            case DerKind.Sec1EcPrivateKey:
                collector.AddKey(PrivateKeyDecoder.FromSec1(der.Span, origin));
                return format;
            case DerKind.Pkcs7:
                Pkcs7Reader.Read(der, collector, pemLabel);
                return format == MaterialFormat.Der ? MaterialFormat.Pkcs7 : format;
            case DerKind.Pkcs12:
                Pkcs12Reader.Read(der, password, limits, collector);
                return format == MaterialFormat.Der ? MaterialFormat.Pkcs12 : format;
            default:
                throw new MaterialException(MaterialErrorCode.UnknownFormat, "the DER data is not a certificate, CSR, CRL, private key, PKCS#7 or PKCS#12 structure");
        }
    }

    private static void LoadPem(IReadOnlyList<PemBlock> blocks, string? password, MaterialLimits limits, MaterialCollector collector)
    {
        if (blocks.Count == 0)
        {
            throw new MaterialException(MaterialErrorCode.UnknownFormat, "the text mentions PEM but holds no complete PEM block");
        }

        foreach (var block in blocks)
        {
            collector.CountObject();
            var origin = new MaterialOrigin(MaterialFormat.Pem, block.Label, null, null, null);
            Func<string, MaterialOrigin> protectedOrigin = p => new MaterialOrigin(MaterialFormat.Pem, block.Label, p, null, null);
            bool legacyEncrypted = block.GetHeader("Proc-Type") is { } procType && procType.Contains("ENCRYPTED", StringComparison.OrdinalIgnoreCase);
            switch (block.Label)
            {
                case "CERTIFICATE" or "X509 CERTIFICATE":
                    collector.AddCertificate(Certificate.Parse(block.Data), origin);
                    break;
                case "TRUSTED CERTIFICATE":
                    // OpenSSL appends an X509_CERT_AUX structure (trust settings, alias) after the certificate.
                    int length = DerStructure.CheckComplete(block.Data.Span, "trusted certificate");
                    collector.AddCertificate(Certificate.Parse(block.Data[..length]), origin);
                    break;
                case "CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST":
                    collector.AddRequest(CertificationRequest.Parse(block.Data));
                    break;
                case "X509 CRL":
                    collector.AddCrl(CertificateRevocationList.Parse(block.Data));
                    break;
                case "PRIVATE KEY" or "RSA PRIVATE KEY" or "EC PRIVATE KEY" when legacyEncrypted:
                    collector.AddKey(PrivateKeyDecoder.FromLegacyEncryptedPem(block, password, protectedOrigin));
                    break;
                case "PRIVATE KEY":
                    collector.AddKey(PrivateKey.FromPkcs8(block.Data.Span, origin));
                    break;
                case "ENCRYPTED PRIVATE KEY":
                    collector.AddKey(PrivateKeyDecoder.FromEncryptedPkcs8(block.Data, password, requirePassword: true, limits, collector.Kdf, speculative: false, protectedOrigin, "PKCS#8 "));
                    break;
                case "RSA PRIVATE KEY":
                    collector.AddKey(PrivateKeyDecoder.FromPkcs1(block.Data.Span, origin));
                    break;
                case "EC PRIVATE KEY":
                    collector.AddKey(PrivateKeyDecoder.FromSec1(block.Data.Span, origin));
                    break;
                case "PKCS7" or "CMS":
                    DerStructure.CheckComplete(block.Data.Span, "PKCS#7 block");
                    DerStructure.CheckNesting(block.Data, AsnEncodingRules.BER, limits, intoOctetStrings: false);
                    Pkcs7Reader.Read(block.Data, collector, block.Label);
                    break;
                case "EC PARAMETERS":
                    collector.Skip("PEM block 'EC PARAMETERS'", "the curve is named inside the key itself");
                    break;
                case "DSA PRIVATE KEY":
                    throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the private key is a DSA key; IoTCerts supports RSA and EC (P-256, P-384, P-521) keys");
                case "OPENSSH PRIVATE KEY":
                    throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the private key is in OpenSSH format; convert it to PKCS#8 first (ssh-keygen -p -m PKCS8)");
                default:
                    collector.Skip($"PEM block '{block.Label}'", "the label is not one IoTCerts reads");
                    break;
            }
        }
    }

    private static bool IsWhiteSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static bool IsBase64(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (!(b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'+' or (byte)'/' or (byte)'=' || IsWhiteSpace(b)))
            {
                return false;
            }
        }

        return true;
    }

    private static byte[] DecodeBase64(string text)
    {
        var compact = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        var buffer = new byte[(compact.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(compact, buffer, out int written))
        {
            // Plain text that is not base64 was probably never meant as base64 (a wrong file): say what we look for.
            throw new MaterialException(MaterialErrorCode.UnknownFormat, "the text is neither PEM nor valid base64 of DER: " + MaterialErrorCode.UnknownFormat.DefaultMessage());
        }

        if (written == 0 || buffer[0] != 0x30)
        {
            throw new MaterialException(MaterialErrorCode.UnknownFormat, "the base64 text does not decode to DER");
        }

        return buffer.AsSpan(0, written).ToArray();
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Platform.Cumulocity;
using IoTCerts.Platform.Tests.Stub;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Platform.Tests;

/// <summary>A clock whose timers fire at once and remember what was asked: retry delays are asserted, not waited for.</summary>
internal sealed class InstantTimeProvider : TimeProvider
{
    public ConcurrentQueue<TimeSpan> Delays { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Delays.Enqueue(dueTime);
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }

        return new NoTimer();
    }

    private sealed class NoTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>Collects every formatted log line, to prove no secret is ever logged.</summary>
internal sealed class CollectingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue($"{eventId.Id} {formatter(state, exception)} {exception?.Message}");
}

internal static class Clients
{
    public static CumulocityClientOptions Options(CumulocityStub stub, Action<CumulocityClientOptions>? change = null)
    {
        var options = new CumulocityClientOptions
        {
            BaseUri = stub.BaseUri,
            UserName = CumulocityStub.AdminUser,
            Password = CumulocityStub.Password,
            RetryBaseDelay = TimeSpan.FromMilliseconds(100),
            TimeProvider = new InstantTimeProvider(),
        };
        change?.Invoke(options);
        return options;
    }

    public static CumulocityClient Create(CumulocityStub stub, Action<CumulocityClientOptions>? change = null, ILogger<CumulocityClient>? logger = null) =>
        new(stub.CreateHttpClient(), Options(stub, change), logger);

    public static CumulocityDeviceClientOptions DeviceOptions(CumulocityStub stub, X509Certificate2? certificate = null, Action<CumulocityDeviceClientOptions>? change = null)
    {
        var options = new CumulocityDeviceClientOptions
        {
            BaseUri = stub.BaseUri,
            DeviceTokenPort = stub.TokenPort,
            ClientCertificate = certificate,
            EnrollmentPollInterval = TimeSpan.FromSeconds(30),
            TimeProvider = new InstantTimeProvider(),
        };
        options.TrustAnchors.Add(stub.ServerCertificate);
        change?.Invoke(options);
        return options;
    }

    public static CumulocityDeviceClient CreateDevice(CumulocityDeviceClientOptions options, ILogger<CumulocityDeviceClient>? logger = null) =>
        new(new HttpClient(options.CreateHttpHandler()), options, logger);
}

/// <summary>Certificates made with .NET for the protocol tests (openssl-made ones where an independent checker matters).</summary>
internal static class TestPki
{
    public static X509Certificate2 Ca(string subject, AsymmetricAlgorithm? key = null, X509Certificate2? issuer = null, bool isCa = true)
    {
        key ??= RSA.Create(2048);
        var request = key is RSA rsa
            ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(isCa ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer is null)
        {
            return Reload(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5)));
        }

        using var certificate = Sign(request, issuer, DateTimeOffset.UtcNow.AddYears(2));
        return Reload(key is RSA r ? certificate.CopyWithPrivateKey(r) : certificate.CopyWithPrivateKey((ECDsa)key));
    }

    public static X509Certificate2 Device(string commonName, X509Certificate2 issuer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + commonName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var certificate = Sign(request, issuer, DateTimeOffset.UtcNow.AddYears(1));
        return Reload(certificate.CopyWithPrivateKey(key));
    }

    /// <summary>Signs with the issuer's key whatever its algorithm (CertificateRequest.Create insists on the same one).</summary>
    public static X509Certificate2 Sign(CertificateRequest request, X509Certificate2 issuer, DateTimeOffset notAfter)
    {
        using var rsa = issuer.GetRSAPrivateKey();
        using var ec = issuer.GetECDsaPrivateKey();
        var generator = rsa is not null ? X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1) : X509SignatureGenerator.CreateForECDsa(ec!);
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        var issuerSki = issuer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
        if (issuerSki is not null)
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(issuerSki));
        }

        return request.Create(issuer.SubjectName, generator, DateTimeOffset.UtcNow.AddDays(-1), notAfter, serial);
    }

    public static X509Certificate2 Reload(X509Certificate2 certificate)
    {
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
        }
    }

    public static byte[] Csr(string commonName, out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest("CN=" + commonName, key, HashAlgorithmName.SHA256).CreateSigningRequest();
    }
}

internal static class OpenSsl
{
    public static string Run(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed ({process.ExitCode}): {error}");
        }

        return output.Result;
    }
}

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("iotcerts-c8y-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, true);
        }
        catch (IOException)
        {
        }
    }
}

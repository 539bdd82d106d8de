using System.Diagnostics;
using System.Text;

namespace IoTCerts.Samples.PlatformValidator.Tests;

/// <summary>A device built on another TLS stack: <c>openssl s_client</c> sending the certificate, its chain file and one HTTP request.</summary>
internal static class OpenSslClient
{
    /// <summary>Sends GET <paramref name="path"/> with the device's certificate and every other certificate of its .pem file; returns what the server answered.</summary>
    public static async Task<string> GetAsync(Uri server, string rootFile, DemoDevice device, string path, string workDirectory)
    {
        var blocks = File.ReadAllText(device.CertificateFile).Split("-----END CERTIFICATE-----", StringSplitOptions.RemoveEmptyEntries)
            .Where(b => b.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            .Select(b => b.Trim() + "\n-----END CERTIFICATE-----\n")
            .ToList();
        var chainFile = Path.Combine(workDirectory, device.Name + "-chain-only.pem");
        await File.WriteAllTextAsync(chainFile, string.Concat(blocks.Skip(1)));

        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "s_client", "-connect", $"{server.Host}:{server.Port}", "-servername", "localhost", "-CAfile", rootFile,
            "-cert", device.CertificateFile, "-key", device.KeyFile, "-cert_chain", chainFile, "-quiet",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync($"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        process.StandardInput.Close();
        using var hangGuard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(hangGuard.Token);
        var text = new StringBuilder(await output);
        return text.Length > 0 ? text.ToString() : "(no HTTP answer) " + await errors;
    }
}

using System.Diagnostics;

namespace IoTCerts.Cli.Tests;

/// <summary>
/// Certificate material made by the real openssl CLI in a temp directory, once per test run,
/// so the CLI is exercised on files produced by an independent implementation.
/// </summary>
public sealed class OpenSslFixtures : IDisposable
{
    public OpenSslFixtures()
    {
        Dir = Directory.CreateTempSubdirectory("iotcerts-cli-").FullName;
        OpenSsl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem -subj /CN=Cli Test Root -days 3650 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
        OpenSsl("req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout int.key -out int.csr -subj /CN=Cli Test Issuing CA");
        File.WriteAllText(Path.Combine(Dir, "int.ext"), "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n");
        OpenSsl("x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 1000 -extfile int.ext -out int.pem");
        OpenSsl("genrsa -aes256 -traditional -passout pass:device-secret -out device.key 2048");
        OpenSsl("req -new -key device.key -passin pass:device-secret -out device.csr -subj /O=IoTCerts/CN=device-0001");
        File.WriteAllText(Path.Combine(Dir, "dev.ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:device-0001.example,IP:192.0.2.7\n");
        OpenSsl("x509 -req -in device.csr -CA int.pem -CAkey int.key -CAcreateserial -days 365 -extfile dev.ext -out device.pem");
        OpenSsl("x509 -in device.pem -outform DER -out device.der");
        File.WriteAllText(Path.Combine(Dir, "chain.pem"), File.ReadAllText(Path.Combine(Dir, "device.pem")) + File.ReadAllText(Path.Combine(Dir, "int.pem")));
        OpenSsl("pkcs12 -export -inkey device.key -passin pass:device-secret -in device.pem -certfile int.pem -passout pass:p12-secret -out device.p12");
    }

    public string Dir { get; }

    public string PathOf(string name) => Path.Combine(Dir, name);

    public string OpenSsl(string arguments)
    {
        var psi = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = Dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in SplitArgs(arguments))
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("openssl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {arguments} failed ({process.ExitCode}): {stderr}");
        }

        return stdout.Result;
    }

    // Subjects contain spaces ("/CN=Cli Test Root"): keep a "-subj" value together up to the next " -".
    private static IEnumerable<string> SplitArgs(string arguments)
    {
        var parts = arguments.Split(' ');
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i] == "-subj")
            {
                yield return parts[i];
                var subject = new List<string>();
                while (i + 1 < parts.Length && !parts[i + 1].StartsWith('-'))
                {
                    subject.Add(parts[++i]);
                }

                yield return string.Join(' ', subject);
            }
            else
            {
                yield return parts[i];
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless; never fail a test run on cleanup.
        }
    }
}

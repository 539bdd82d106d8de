using System.Diagnostics;

namespace IoTCerts.Extensions.DependencyInjection.Tests;

/// <summary>A root CA and a client leaf made with the real openssl CLI in a temporary directory.</summary>
public sealed class OpenSslPki : IDisposable
{
    public OpenSslPki()
    {
        Directory = Path.Combine(Path.GetTempPath(), "iotcerts-di-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Run("ecparam -name prime256v1 -genkey -noout -out root.key");
        Run("req -x509 -new -key root.key -subj /CN=DI-Test-Root -days 2 -sha256 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out root.pem");
        Run("ecparam -name prime256v1 -genkey -noout -out other.key");
        Run("req -x509 -new -key other.key -subj /CN=DI-Test-Root -days 2 -sha256 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out other-root.pem");
        Run("ecparam -name prime256v1 -genkey -noout -out device.key");
        Run("req -new -key device.key -subj /CN=di-device -out device.csr");
        File.WriteAllText(Path.Combine(Directory, "device.ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");
        Run("x509 -req -in device.csr -CA root.pem -CAkey root.key -CAcreateserial -days 1 -sha256 -extfile device.ext -out device.pem");
        Run("ecparam -name prime256v1 -genkey -noout -out issuing.key");
        Run("req -new -key issuing.key -subj /CN=DI-Test-Issuing -out issuing.csr");
        File.WriteAllText(Path.Combine(Directory, "issuing.ext"), "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
        Run("x509 -req -in issuing.csr -CA root.pem -CAkey root.key -CAcreateserial -days 2 -sha256 -extfile issuing.ext -out issuing.pem");
        Run("req -new -key device.key -subj /CN=di-device-2 -out device2.csr");
        Run("x509 -req -in device2.csr -CA issuing.pem -CAkey issuing.key -CAcreateserial -days 1 -sha256 -extfile device.ext -out device2.pem");
    }

    public string Directory { get; }

    public string PathOf(string name) => Path.Combine(Directory, name);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Run(string arguments)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = Directory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in arguments.Split(' '))
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"openssl {arguments}: {error}");
    }
}

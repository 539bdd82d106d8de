using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Samples.Quickstart;

/// <summary>Writes the quickstart's files: certificates world-readable, keys and passwords 0600.</summary>
internal sealed class QuickstartFiles(string root)
{
    public string PathOf(string name) => Path.Combine(root, name);

    public string WriteCertificates(string name, IEnumerable<X509Certificate2> certificates)
    {
        var pem = new StringBuilder();
        foreach (X509Certificate2 c in certificates)
        {
            pem.AppendLine(c.ExportCertificatePem());
        }

        return WriteBytes(name, Encoding.ASCII.GetBytes(pem.ToString()));
    }

    public string WriteBytes(string name, byte[] content)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public string WriteSecret(string name, string text) => WriteSecret(name, Encoding.ASCII.GetBytes(text));

    public string WriteSecret(string name, byte[] content)
    {
        string path = PathOf(name);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            stream.Write(content);
        }

        return path;
    }
}

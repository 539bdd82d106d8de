using IoTCerts.Cli;
using IoTCerts.Platform.Tests.Stub;

namespace IoTCerts.Platform.Tests;

/// <summary>Runs <c>iotcerts</c> in-process and connects it to the Cumulocity stub.</summary>
internal static class CliInvocation
{
    internal static CliResult Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        var result = new CliResult(code, stdout.ToString(), stderr.ToString());
        Assert.True(code != CliApp.InternalError, $"iotcerts {string.Join(' ', args)} hit the internal-error handler\n{result}");
        return result;
    }

    internal static CliResult Ok(params string[] args)
    {
        var result = Run(args);
        Assert.True(result.ExitCode == 0, $"iotcerts {string.Join(' ', args)}\n{result}");
        return result;
    }

    internal static string[] Connection(CumulocityStub stub, TempDirectory dir, string user = CumulocityStub.AdminUser)
    {
        File.WriteAllText(dir.File("password.txt"), CumulocityStub.Password + "\n");
        File.WriteAllText(dir.File("server.pem"), stub.ServerCertificate.ExportCertificatePem());
        return ["--url", stub.BaseUri.ToString(), "--user", user, "--password-file", dir.File("password.txt"), "--trust", dir.File("server.pem")];
    }
}

using System.CommandLine;
using System.Text;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Core;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// <c>iotcerts chain &lt;files&gt;... --out &lt;file&gt; [--force] [--json]</c> (R-10): orders a bag of certificates into
/// device → … → root, each followed by the one that signed it, writes it as PEM and reports gaps and extras.
/// Exit 0 when the chain reaches a self-signed root, 1 when a gap remains (the file is still written), 2 on bad input.
/// </summary>
internal static class ChainCommand
{
    internal static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "Certificate files in any order (PEM or DER; several certificates per file allowed).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "The PEM chain file to write.", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace the output file if it exists." };
        var json = CommonOptions.Json();
        var command = new Command("chain", "Order certificates into a chain file (device first, each followed by its issuer).") { files, output, force, json };
        command.SetGuardedAction(invocation =>
        {
            var parse = invocation.Parse;
            var outPath = parse.GetValue(output)!;
            if (File.Exists(outPath) && !parse.GetValue(force))
            {
                throw new CliException("output-exists", $"the output file '{outPath}' already exists; pass --force to replace it");
            }

            var bag = new List<Certificate>();
            foreach (var file in parse.GetValue(files) ?? [])
            {
                bag.AddRange(CertificateFiles.Read(file));
                if (bag.Count > OrderedChain.MaxCertificates)
                {
                    throw new CliException("too-many-certificates", $"at most {OrderedChain.MaxCertificates} certificates can be ordered at once");
                }
            }

            var chain = OrderedChain.FromBag(bag);
            MaterialWriter.WriteFile(outPath, Encoding.ASCII.GetBytes(chain.ToPem()), holdsPrivateKey: false);
            if (parse.GetValue(json))
            {
                WriteJson(invocation.Out, chain, outPath);
            }
            else
            {
                WriteText(invocation.Out, chain, outPath);
            }

            // A gap leaves a file a TLS peer cannot complete: the file is written for inspection, the exit code says it is not whole.
            return chain.Gap is null ? CliApp.Ok : CliApp.Invalid;
        });
        return command;
    }

    private static void WriteText(TextWriter output, OrderedChain chain, string path)
    {
        output.WriteLine($"wrote {path}: {chain.Certificates.Count} certificate{(chain.Certificates.Count == 1 ? string.Empty : "s")}, {(chain.EndsAtRoot ? "ending at a self-signed root" : "not ending at a root")}");
        for (var i = 0; i < chain.Certificates.Count; i++)
        {
            output.WriteLine($"  [{i}] {chain.Certificates[i].Subject.Rfc4514Name}  (issuer: {chain.Certificates[i].Issuer.Rfc4514Name})");
        }

        if (chain.Gap is { } gap)
        {
            output.WriteLine($"  gap: the issuer \"{gap.Rfc4514Name}\" of the last certificate is not among the files; add its certificate (exit 1)");
        }

        foreach (var extra in chain.Extras)
        {
            output.WriteLine($"  extra (not on the chain, not written): {extra.Subject.Rfc4514Name}");
        }

        if (chain.DuplicatesRemoved > 0)
        {
            output.WriteLine($"  {chain.DuplicatesRemoved} duplicate certificate(s) dropped");
        }
    }

    private static void WriteJson(TextWriter output, OrderedChain chain, string path) => JsonOutput.Write(output, writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("out", path);
        writer.WriteBoolean("endsAtRoot", chain.EndsAtRoot);
        writer.WriteStartArray("certificates");
        for (var i = 0; i < chain.Certificates.Count; i++)
        {
            var c = chain.Certificates[i];
            writer.WriteStartObject();
            writer.WriteNumber("index", i);
            writer.WriteString("subject", c.Subject.Rfc4514Name);
            writer.WriteString("issuer", c.Issuer.Rfc4514Name);
            writer.WriteString("sha256", c.Sha256Thumbprint.ToLowerInvariant());
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (chain.Gap is { } gap)
        {
            writer.WriteString("gap", gap.Rfc4514Name);
        }
        else
        {
            writer.WriteNull("gap");
        }

        writer.WriteStartArray("extras");
        foreach (var c in chain.Extras)
        {
            writer.WriteStartObject();
            writer.WriteString("subject", c.Subject.Rfc4514Name);
            writer.WriteString("sha256", c.Sha256Thumbprint.ToLowerInvariant());
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteNumber("duplicatesRemoved", chain.DuplicatesRemoved);
        writer.WriteEndObject();
    });
}

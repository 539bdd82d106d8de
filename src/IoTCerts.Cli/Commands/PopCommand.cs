using System.CommandLine;
using System.Text;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Core;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// <c>iotcerts pop sign|verify</c>: proof of possession of a CA key. <c>sign</c> prints the base64 signature
/// that <c>openssl dgst -sha256 -sign key code.txt | openssl base64 -A</c> prints; <c>verify</c> checks one against the
/// CA certificate (exit 0 valid, 1 invalid, 2 bad input).
/// </summary>
internal static class PopCommand
{
    private const long MaxCodeFileSize = ProofOfPossession.MaxCodeLength * 4;

    internal static Command Create()
    {
        var command = new Command("pop", "Proof of possession: sign a platform's verification code with a CA key, or verify a signed code.");
        command.Add(Sign());
        command.Add(Verify());
        return command;
    }

    private static Command Sign()
    {
        var key = new Option<string>("--key") { Description = "The CA private key file (PEM, DER, PKCS#8, PKCS#12).", Required = true };
        var password = CommonOptions.Password("Passphrase of the key.");
        var passwordFile = CommonOptions.PasswordFile();
        var (code, codeFile) = CodeOptions();
        var json = CommonOptions.Json();
        var command = new Command("sign", "Sign a verification code (UTF-8, SHA-256; RSA PKCS#1 v1.5 or ECDSA DER) and print it in base64.")
        {
            key, password, passwordFile, code, codeFile, json,
        };
        command.SetGuardedAction(invocation =>
        {
            var parse = invocation.Parse;
            var text = ReadCode(parse.GetValue(code), parse.GetValue(codeFile));
            var secret = Secrets.Resolve(parse.GetValue(password), parse.GetValue(passwordFile));
            var path = parse.GetValue(key)!;
            var material = MaterialLoader.LoadFile(path, new LoadOptions { Password = secret });
            if (material.PrivateKeys.Count != 1)
            {
                throw new CliException("key-file", $"'{path}' must hold exactly one private key; it holds {material.PrivateKeys.Count}");
            }

            var privateKey = material.PrivateKeys[0];
            var signature = ProofOfPossession.Sign(privateKey, text);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("algorithm", privateKey.Algorithm == PrivateKeyAlgorithm.Rsa ? "SHA256withRSA" : "SHA256withECDSA");
                    writer.WriteString("code", text);
                    writer.WriteString("signature", signature);
                    writer.WriteEndObject();
                });
            }
            else
            {
                invocation.Out.WriteLine(signature);
            }

            return CliApp.Ok;
        });
        return command;
    }

    private static Command Verify()
    {
        var cert = new Option<string>("--cert") { Description = "The CA certificate (its first certificate is used).", Required = true };
        var (code, codeFile) = CodeOptions();
        var signature = new Option<string>("--signature") { Description = "The base64 signature (or @file to read it from a file).", Required = true };
        var json = CommonOptions.Json();
        var command = new Command("verify", "Verify a signed verification code against the CA certificate.") { cert, code, codeFile, signature, json };
        command.SetGuardedAction(invocation =>
        {
            var parse = invocation.Parse;
            var text = ReadCode(parse.GetValue(code), parse.GetValue(codeFile));
            var signatureText = parse.GetValue(signature)!;
            if (signatureText.StartsWith('@'))
            {
                signatureText = ReadSmallFile(signatureText[1..], "signature");
            }

            var certificate = CertificateFiles.Read(parse.GetValue(cert)!)[0];
            var valid = ProofOfPossession.Verify(certificate, text, signatureText);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteBoolean("valid", valid);
                    writer.WriteString("subject", certificate.Subject.Rfc4514Name);
                    writer.WriteString("sha256", certificate.Sha256Thumbprint.ToLowerInvariant());
                    writer.WriteEndObject();
                });
            }
            else
            {
                invocation.Out.WriteLine(valid
                    ? $"valid: the code was signed with the key of \"{certificate.Subject.Rfc4514Name}\""
                    : $"INVALID: the signature does not verify with the key of \"{certificate.Subject.Rfc4514Name}\"");
            }

            return valid ? CliApp.Ok : CliApp.Invalid;
        });
        return command;
    }

    private static (Option<string> Code, Option<string> CodeFile) CodeOptions() => (
        new Option<string>("--code") { Description = "The verification code as text." },
        new Option<string>("--code-file") { Description = "A file holding the verification code (one trailing newline is not part of the code)." });

    private static string ReadCode(string? code, string? codeFile)
    {
        if ((code is null) == (codeFile is null))
        {
            throw new CliException("usage", "give exactly one of --code and --code-file");
        }

        var text = code ?? ReadSmallFile(codeFile!, "code");

        // Cumulocity signs the code without a newline; editors add one at the end of a file.
        if (codeFile is not null)
        {
            text = text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
        }

        return text.Length is > 0 and <= ProofOfPossession.MaxCodeLength
            ? text
            : throw new CliException("bad-code", $"the verification code must be 1 to {ProofOfPossession.MaxCodeLength} characters long");
    }

    private static string ReadSmallFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new CliException("file-not-found", $"the {what} file '{path}' does not exist");
        }

        if (new FileInfo(path).Length > MaxCodeFileSize)
        {
            throw new CliException("input-too-large", $"the {what} file '{path}' is larger than {MaxCodeFileSize} bytes");
        }

        return Encoding.UTF8.GetString(File.ReadAllBytes(path));
    }
}

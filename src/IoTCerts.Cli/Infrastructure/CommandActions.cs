using System.CommandLine;
using System.Security.Cryptography;
using IoTCerts.Core;

namespace IoTCerts.Cli.Infrastructure;

/// <summary>What a command's body receives: its parse result and the two writers.</summary>
internal sealed record CommandInvocation(ParseResult Parse, TextWriter Out, TextWriter Error);

/// <summary>
/// Wraps every command body so that bad input becomes one clear sentence on stderr and exit code 2,
/// never a stack trace: the CLI contract is 0 ok, 1 invalid, 2 bad input or usage, 3 internal error (a bug).
/// </summary>
internal static class CommandActions
{
    public static void SetGuardedAction(this Command command, Func<CommandInvocation, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            try
            {
                return await body(new CommandInvocation(parse, stdout, stderr), cancellationToken).ConfigureAwait(false);
            }
            catch (MaterialException ex)
            {
                var where = ex.SourceName is null ? string.Empty : $" ({ex.SourceName})";
                await stderr.WriteLineAsync($"iotcerts: error [{ex.CodeString}]: {ex.Message}{where}").ConfigureAwait(false);
                return CliApp.BadInput;
            }
            catch (CliException ex)
            {
                await stderr.WriteLineAsync($"iotcerts: error [{ex.Code}]: {ex.Message}").ConfigureAwait(false);
                return CliApp.BadInput;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"iotcerts: error [io]: {ex.Message}").ConfigureAwait(false);
                return CliApp.BadInput;
            }
            catch (CryptographicException ex)
            {
                await stderr.WriteLineAsync($"iotcerts: error [crypto]: {ex.Message}").ConfigureAwait(false);
                return CliApp.BadInput;
            }
            catch (OperationCanceledException)
            {
                await stderr.WriteLineAsync("iotcerts: cancelled").ConfigureAwait(false);
                return CliApp.BadInput;
            }
            catch (Exception ex)
            {
                // The last resort (issue 17): one line and exit 3, never the runtime's stack trace and exit 134.
                return CliApp.ReportInternalError(ex, stderr);
            }
        });
    }

    public static void SetGuardedAction(this Command command, Func<CommandInvocation, int> body) =>
        command.SetGuardedAction((invocation, _) => Task.FromResult(body(invocation)));
}

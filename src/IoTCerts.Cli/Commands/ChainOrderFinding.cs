using IoTCerts.Core;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// A presented chain file out of order (R-10, Core's <see cref="ChainFileOrder"/>): an error under a profile that
/// requires the order (its rule <c>chain-order</c> fails the check), a warning otherwise.
/// </summary>
internal sealed record ChainOrderFinding(string Severity, string Message)
{
    public static ChainOrderFinding? Of(IReadOnlyList<Certificate> presented, PlatformProfile? profile)
    {
        if (presented.Count < 2 || ChainFileOrder.FindProblem(presented) is not { } problem)
        {
            return null;
        }

        var message = $"the file is not in chain order (device first, each certificate followed by its issuer): {problem}; " +
            "TLS peers such as mosquitto send it as it is; write an ordered copy with 'iotcerts chain <file> --out <ordered.pem>'";
        return profile is { RequiresChainOrder: true }
            ? new("error", $"{message} ({profile.Name} requires the order)")
            : new("warning", message);
    }
}

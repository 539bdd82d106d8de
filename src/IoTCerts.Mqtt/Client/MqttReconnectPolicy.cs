namespace IoTCerts.Mqtt;

/// <summary>
/// Automatic reconnect: exponential backoff with jitter and a cap. The failure streak is reset only after a
/// connection stayed up for <see cref="StableConnectionTime"/>, so a broker that accepts and then kicks the client
/// (for example a duplicate client id) does not cause a reconnect storm.
/// </summary>
public sealed class MqttReconnectPolicy
{
    /// <summary>Whether the client reconnects by itself after losing a connection that <see cref="MqttDeviceClient.ConnectAsync"/> made.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The delay before the first attempt (before jitter). Default 1 s.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The largest delay between attempts (before jitter). Default 2 min.</summary>
    public TimeSpan MaximumDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a connection must last for the backoff to start again from <see cref="InitialDelay"/>. Default 30 s.</summary>
    public TimeSpan StableConnectionTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The delay before attempt number <paramref name="failureStreak"/> (0-based): min(cap, initial·2^n), then
    /// "equal jitter" — a uniform value between half and all of it — so that a fleet does not reconnect in step.
    /// </summary>
    public TimeSpan GetDelay(int failureStreak, double randomUnit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(failureStreak);
        double exponential = InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failureStreak, 40));
        double capped = Math.Min(MaximumDelay.TotalMilliseconds, exponential);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (0.5 * Math.Clamp(randomUnit, 0, 1))));
    }

    /// <summary>The smallest failure streak whose delay reaches the cap (used after a refusal that will not go away soon).</summary>
    internal int StreakAtCap()
    {
        int n = 0;
        while (n < 40 && InitialDelay.TotalMilliseconds * Math.Pow(2, n) < MaximumDelay.TotalMilliseconds)
        {
            n++;
        }

        return n;
    }
}

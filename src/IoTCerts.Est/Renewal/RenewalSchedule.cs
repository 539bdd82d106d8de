namespace IoTCerts.Est;

/// <summary>
/// When to renew a certificate and how often to retry (R-72, est-notes "Renewal schedule"): a percentage
/// threshold t renews at notBefore + lifetime × t/100, an absolute threshold T at notAfter − T; the retry
/// interval is a percentage of the lifetime or an absolute time, at least one second. Jitter moves each moment
/// earlier by a random part of <see cref="JitterFraction"/> so a fleet does not renew in lockstep; it never
/// moves a moment later than configured.
/// </summary>
public sealed class RenewalSchedule
{
    /// <summary>The largest allowed <see cref="JitterFraction"/>.</summary>
    public const double MaxJitterFraction = 0.5;

    /// <summary>Creates a schedule.</summary>
    /// <exception cref="RenewalConfigurationException"><paramref name="jitterFraction"/> is outside [0, 0.5].</exception>
    public RenewalSchedule(LifetimeSpan threshold, LifetimeSpan retryInterval, double jitterFraction = 0.05)
    {
        if (threshold == default || retryInterval == default)
        {
            throw new RenewalConfigurationException("threshold", "the threshold and retry interval must be set (use LifetimeSpan.Parse)");
        }

        if (!double.IsFinite(jitterFraction) || jitterFraction < 0 || jitterFraction > MaxJitterFraction)
        {
            throw new RenewalConfigurationException("jitter", $"the jitter fraction must be between 0 and {MaxJitterFraction}");
        }

        Threshold = threshold;
        RetryInterval = retryInterval;
        JitterFraction = jitterFraction;
    }

    /// <summary>The defaults of R-72: threshold 80 %, retry 4 %, 5 % jitter.</summary>
    public static RenewalSchedule Default { get; } = new(LifetimeSpan.FromPercent(80), LifetimeSpan.FromPercent(4));

    /// <summary>When to renew.</summary>
    public LifetimeSpan Threshold { get; }

    /// <summary>How long to wait after a failed attempt.</summary>
    public LifetimeSpan RetryInterval { get; }

    /// <summary>The part of the time before a moment that jitter may take away (0 = no jitter).</summary>
    public double JitterFraction { get; }

    /// <summary>Parses the two settings as written in configuration files ("80%", "4d", "10min", ...).</summary>
    /// <exception cref="RenewalConfigurationException">A setting is invalid.</exception>
    public static RenewalSchedule Parse(string threshold, string retryInterval, double jitterFraction = 0.05) =>
        new(LifetimeSpan.Parse(threshold, "threshold"), LifetimeSpan.Parse(retryInterval, "retry"), jitterFraction);

    /// <summary>Checks the schedule against a certificate's validity; an absolute threshold or retry not shorter than the lifetime is a misconfiguration .</summary>
    /// <exception cref="RenewalConfigurationException">The schedule cannot work for this certificate.</exception>
    public void Validate(DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var lifetime = notAfter - notBefore;
        if (lifetime <= TimeSpan.Zero)
        {
            throw new RenewalConfigurationException("certificate", $"the certificate's validity ends ({notAfter:u}) before it begins ({notBefore:u})");
        }

        if (Threshold.Absolute is { } threshold && threshold >= lifetime)
        {
            throw new RenewalConfigurationException("threshold", $"the threshold {Threshold} is not shorter than the certificate's lifetime ({lifetime.TotalDays:0.##} days): it would renew before the certificate is valid; use a smaller time or a percentage");
        }

        if (RetryInterval.Absolute is { } retry && retry >= lifetime)
        {
            throw new RenewalConfigurationException("retry", $"the retry interval {RetryInterval} is not shorter than the certificate's lifetime ({lifetime.TotalDays:0.##} days)");
        }
    }

    /// <summary>
    /// The renewal moment for a certificate valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>.
    /// <paramref name="jitterSample"/> in [0, 1) picks the jitter (0 = none); the result lies in [notBefore, notAfter).
    /// </summary>
    /// <exception cref="RenewalConfigurationException">See <see cref="Validate"/>.</exception>
    public DateTimeOffset GetRenewalTime(DateTimeOffset notBefore, DateTimeOffset notAfter, double jitterSample = 0)
    {
        Validate(notBefore, notAfter);
        var lifetime = notAfter - notBefore;
        var nominal = Threshold.Absolute is { } before ? notAfter - before : notBefore + Threshold.Of(lifetime);
        var window = (nominal - notBefore).Ticks * JitterFraction;
        var moment = nominal - TimeSpan.FromTicks((long)(window * Math.Clamp(jitterSample, 0, 1)));
        return moment < notBefore ? notBefore : moment;
    }

    /// <summary>The wait after a failed attempt: the retry interval (percentage of the lifetime or absolute), at least 1 s, minus jitter.</summary>
    public TimeSpan GetRetryInterval(DateTimeOffset notBefore, DateTimeOffset notAfter, double jitterSample = 0)
    {
        var lifetime = notAfter - notBefore;
        var interval = RetryInterval.Of(lifetime > TimeSpan.Zero ? lifetime : TimeSpan.FromDays(1));
        interval -= TimeSpan.FromTicks((long)(interval.Ticks * JitterFraction * Math.Clamp(jitterSample, 0, 1)));
        return interval < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : interval;
    }
}

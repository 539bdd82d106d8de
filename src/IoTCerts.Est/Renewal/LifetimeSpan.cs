using System.Globalization;

namespace IoTCerts.Est;

/// <summary>
/// A renewal threshold or retry interval: a percentage of the certificate's lifetime ("80%") or an
/// absolute time ("4d"/"4day", "12h"/"12hour", "10m"/"10min", "30s"/"30sec"; "m" is minutes, never months).
/// </summary>
public readonly record struct LifetimeSpan
{
    private LifetimeSpan(double? percent, TimeSpan? absolute)
    {
        Percent = percent;
        Absolute = absolute;
    }

    /// <summary>The percentage of the lifetime (0 &lt; p &lt; 100), or null for an absolute span.</summary>
    public double? Percent { get; }

    /// <summary>The absolute time, or null for a percentage.</summary>
    public TimeSpan? Absolute { get; }

    /// <summary>A percentage of the lifetime.</summary>
    /// <exception cref="RenewalConfigurationException">Not 0 &lt; <paramref name="percent"/> &lt; 100.</exception>
    public static LifetimeSpan FromPercent(double percent, string setting = "value")
    {
        if (!double.IsFinite(percent) || percent <= 0 || percent >= 100)
        {
            throw new RenewalConfigurationException(setting, $"the {setting} '{percent.ToString(CultureInfo.InvariantCulture)}%' must be more than 0% and less than 100%");
        }

        return new LifetimeSpan(percent, null);
    }

    /// <summary>An absolute time.</summary>
    /// <exception cref="RenewalConfigurationException"><paramref name="time"/> is not positive.</exception>
    public static LifetimeSpan FromTime(TimeSpan time, string setting = "value")
    {
        if (time <= TimeSpan.Zero)
        {
            throw new RenewalConfigurationException(setting, $"the {setting} must be a positive time, not {time}");
        }

        return new LifetimeSpan(null, time);
    }

    /// <summary>Parses "80%", "4d", "4day", "12h", "12hour", "10m", "10min", "30s", "30sec" (plural units and spaces before the unit allowed).</summary>
    /// <exception cref="RenewalConfigurationException">The text is not one of these forms, or out of range.</exception>
    public static LifetimeSpan Parse(string text, string setting = "value")
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var digits = 0;
        while (digits < trimmed.Length && (char.IsAsciiDigit(trimmed[digits]) || trimmed[digits] is '.' or '-' or '+'))
        {
            digits++;
        }

        var unit = trimmed[digits..].Trim().ToLowerInvariant();
        if (digits == 0 || !double.TryParse(trimmed[..digits], NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            throw new RenewalConfigurationException(setting, $"the {setting} '{text}' is not a number with a unit; use e.g. \"80%\", \"4d\", \"12h\", \"10min\"");
        }

        if (number < 0)
        {
            throw new RenewalConfigurationException(setting, $"the {setting} '{text}' is negative");
        }

        if (unit == "%")
        {
            return FromPercent(number, setting);
        }

        TimeSpan perUnit = unit switch
        {
            "s" or "sec" or "secs" or "second" or "seconds" => TimeSpan.FromSeconds(1),
            "m" or "min" or "mins" or "minute" or "minutes" => TimeSpan.FromMinutes(1),
            "h" or "hour" or "hours" => TimeSpan.FromHours(1),
            "d" or "day" or "days" => TimeSpan.FromDays(1),
            _ => throw new RenewalConfigurationException(setting, $"the {setting} '{text}' has an unknown unit '{unit}'; use %, s/sec, m/min, h/hour or d/day"),
        };
        if (number * perUnit.TotalSeconds > TimeSpan.FromDays(36500).TotalSeconds)
        {
            throw new RenewalConfigurationException(setting, $"the {setting} '{text}' is longer than 100 years");
        }

        if (number == 0)
        {
            throw new RenewalConfigurationException(setting, $"the {setting} '{text}' is zero");
        }

        return FromTime(TimeSpan.FromSeconds(number * perUnit.TotalSeconds), setting);
    }

    /// <summary>The span for a certificate of the given lifetime.</summary>
    public TimeSpan Of(TimeSpan lifetime) => Absolute ?? TimeSpan.FromTicks((long)(lifetime.Ticks * (Percent!.Value / 100.0)));

    /// <inheritdoc/>
    public override string ToString() => Percent is { } p ? p.ToString(CultureInfo.InvariantCulture) + "%" : FormatTime(Absolute ?? TimeSpan.Zero);

    private static string FormatTime(TimeSpan time) =>
        time.Ticks % TimeSpan.TicksPerDay == 0 ? $"{time.Ticks / TimeSpan.TicksPerDay}d"
        : time.Ticks % TimeSpan.TicksPerHour == 0 ? $"{time.Ticks / TimeSpan.TicksPerHour}h"
        : time.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{time.Ticks / TimeSpan.TicksPerMinute}min"
        : time.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s";
}

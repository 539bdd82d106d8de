using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace IoTCerts.Est.Tests;

/// <summary>R-72 schedule semantics and FsCheck properties.</summary>
public sealed class RenewalScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("80%", 80.0, null)]
    [InlineData("4d", null, 4 * 86400.0)]
    [InlineData("4day", null, 4 * 86400.0)]
    [InlineData("4 days", null, 4 * 86400.0)]
    [InlineData("10m", null, 600.0)]
    [InlineData("10min", null, 600.0)]
    [InlineData("12h", null, 12 * 3600.0)]
    [InlineData("12hour", null, 12 * 3600.0)]
    [InlineData("30s", null, 30.0)]
    [InlineData("0.5%", 0.5, null)]
    public void ParsesBothSpellings(string text, double? percent, double? seconds)
    {
        var span = LifetimeSpan.Parse(text);

        Assert.Equal(percent, span.Percent);
        Assert.Equal(seconds, span.Absolute?.TotalSeconds);
    }

    [Theory]
    [InlineData("0%", "more than 0%")]
    [InlineData("100%", "less than 100%")]
    [InlineData("150%", "less than 100%")]
    [InlineData("-5d", "negative")]
    [InlineData("-1%", "negative")]
    [InlineData("4y", "unknown unit")]
    [InlineData("4months", "unknown unit")]
    [InlineData("4", "unknown unit")]
    [InlineData("d", "not a number")]
    [InlineData("", "not a number")]
    [InlineData("0d", "zero")]
    public void RejectsInvalidSettingsWithAClearMessage(string text, string expected)
    {
        var error = Assert.Throws<RenewalConfigurationException>(() => RenewalSchedule.Parse(text, "4%"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal("threshold", error.Setting);
    }

    [Fact]
    public void ComputesTheMomentsOfEstNotes()
    {
        var notAfter = Start.AddDays(100);

        Assert.Equal(Start.AddDays(80), RenewalSchedule.Parse("80%", "4%", 0).GetRenewalTime(Start, notAfter));
        Assert.Equal(notAfter.AddDays(-4), RenewalSchedule.Parse("4d", "4%", 0).GetRenewalTime(Start, notAfter));
        Assert.Equal(TimeSpan.FromDays(4), RenewalSchedule.Parse("80%", "4%", 0).GetRetryInterval(Start, notAfter));
        Assert.Equal(TimeSpan.FromMinutes(10), RenewalSchedule.Parse("80%", "10min", 0).GetRetryInterval(Start, notAfter));
        Assert.Equal(TimeSpan.FromSeconds(1), RenewalSchedule.Parse("80%", "1%", 0).GetRetryInterval(Start, Start.AddSeconds(10)));
        Assert.Equal("80%", RenewalSchedule.Default.Threshold.ToString());
        Assert.Equal("4%", RenewalSchedule.Default.RetryInterval.ToString());
    }

    [Fact]
    public void AnAbsoluteThresholdNotShorterThanTheLifetimeIsAMisconfiguration()
    {
        var schedule = RenewalSchedule.Parse("30d", "1h");

        var error = Assert.Throws<RenewalConfigurationException>(() => schedule.GetRenewalTime(Start, Start.AddDays(30)));

        Assert.Contains("not shorter than the certificate's lifetime", error.Message, StringComparison.Ordinal);
        Assert.Throws<RenewalConfigurationException>(() => RenewalSchedule.Parse("80%", "4%", 0.9));
    }

    private static Gen<string> ValidSetting =>
        Gen.OneOf(
            Gen.Choose(1, 99).Select(p => $"{p}%"),
            Gen.Zip(Gen.Choose(1, 500), Gen.Elements("s", "sec", "m", "min", "h", "hour", "d", "day")).Select(t => $"{t.Item1}{t.Item2}"));

    [Property(MaxTest = 2000)]
    public Property RenewalMomentIsWithinTheLifetimeAndBeforeExpiryForValidConfigurations()
    {
        var cases = Gen.Zip(Gen.Zip(ValidSetting, ValidSetting), Gen.Zip(Gen.Choose(60, 5 * 365 * 24 * 60), Gen.Choose(0, 1000))).Select(t => (Threshold: t.Item1.Item1, Retry: t.Item1.Item2, LifetimeMinutes: t.Item2.Item1, Jitter: t.Item2.Item2 / 1000.0));
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var schedule = RenewalSchedule.Parse(c.Threshold, c.Retry);
            var notAfter = Start.AddMinutes(c.LifetimeMinutes);
            if ((schedule.Threshold.Absolute ?? TimeSpan.Zero) >= notAfter - Start || (schedule.RetryInterval.Absolute ?? TimeSpan.Zero) >= notAfter - Start)
            {
                // Invalid for this certificate: must be reported, never silently scheduled.
                return Throws(() => schedule.GetRenewalTime(Start, notAfter, c.Jitter));
            }

            var moment = schedule.GetRenewalTime(Start, notAfter, c.Jitter);
            var retry = schedule.GetRetryInterval(Start, notAfter, c.Jitter);
            return moment >= Start && moment < notAfter && retry >= TimeSpan.FromSeconds(1);
        });
    }

    [Property(MaxTest = 2000)]
    public Property JitterIsBoundedAndNeverDelays()
    {
        var cases = Gen.Zip(Gen.Zip(ValidSetting, Gen.Choose(0, 50)), Gen.Zip(Gen.Choose(1, 3650), Gen.Choose(0, 999))).Select(t => (Threshold: t.Item1.Item1, JitterPercent: t.Item1.Item2, Days: t.Item2.Item1, Sample: t.Item2.Item2 / 1000.0));
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var jittered = RenewalSchedule.Parse(c.Threshold, "4%", c.JitterPercent / 100.0);
            var plain = RenewalSchedule.Parse(c.Threshold, "4%", 0);
            var notAfter = Start.AddDays(c.Days);
            if (plain.Threshold.Absolute is { } absolute && absolute >= notAfter - Start)
            {
                return true;
            }

            var nominal = plain.GetRenewalTime(Start, notAfter);
            var moment = jittered.GetRenewalTime(Start, notAfter, c.Sample);
            var bound = TimeSpan.FromTicks((long)((nominal - Start).Ticks * (c.JitterPercent / 100.0))) + TimeSpan.FromTicks(1);
            return moment <= nominal && nominal - moment <= bound
                && jittered.GetRetryInterval(Start, notAfter, c.Sample) <= plain.GetRetryInterval(Start, notAfter);
        });
    }

    [Property(MaxTest = 1000)]
    public Property InvalidConfigurationsAreAlwaysRejected()
    {
        var invalid = Gen.OneOf(
            Gen.Choose(100, 100000).Select(p => $"{p}%"),
            Gen.Choose(1, 100000).Select(p => $"-{p}{(p % 2 == 0 ? "d" : "%")}"),
            Gen.Elements("0%", "0d", "0min", "0.0%"),
            Gen.Zip(Gen.Choose(1, 99), Gen.Elements("y", "w", "mo", "months", "ms", "x", "%%", "dd")).Select(t => $"{t.Item1}{t.Item2}"));
        return Prop.ForAll(invalid.ToArbitrary(), text =>
            Throws(() => LifetimeSpan.Parse(text, "threshold")) && Throws(() => RenewalSchedule.Parse("80%", text)));
    }

    private static bool Throws(Action action)
    {
        try
        {
            action();
            return false;
        }
        catch (RenewalConfigurationException)
        {
            return true;
        }
    }
}

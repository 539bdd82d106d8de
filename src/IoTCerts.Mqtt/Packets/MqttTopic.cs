namespace IoTCerts.Mqtt;

/// <summary>Topic name and topic filter rules of MQTT 3.1.1 §4.7.</summary>
public static class MqttTopic
{
    /// <summary>The longest topic a UTF-8 length prefix can carry, in bytes (MQTT 3.1.1 §1.5.3).</summary>
    public const int MaximumLength = 65535;

    /// <summary>
    /// Whether <paramref name="topic"/> is a valid topic name for PUBLISH: not empty (MQTT-4.7.3-1), no wildcard
    /// characters (MQTT-3.3.2-2), no U+0000 (MQTT-4.7.3-2).
    /// </summary>
    public static bool IsValidTopicName(string? topic) =>
        !string.IsNullOrEmpty(topic) && topic.AsSpan().IndexOfAny('+', '#', '\0') < 0;

    /// <summary>
    /// Whether <paramref name="filter"/> is a valid topic filter for SUBSCRIBE/UNSUBSCRIBE: not empty, '#' only as the
    /// whole last level (MQTT-4.7.1-2), '+' only as a whole level (MQTT-4.7.1-3), no U+0000.
    /// </summary>
    public static bool IsValidTopicFilter(string? filter)
    {
        if (string.IsNullOrEmpty(filter) || filter.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        for (int i = 0; i < filter.Length; i++)
        {
            char c = filter[i];
            if (c is not ('+' or '#'))
            {
                continue;
            }

            bool levelStart = i == 0 || filter[i - 1] == '/';
            bool levelEnd = i == filter.Length - 1 || filter[i + 1] == '/';
            if (!levelStart || !levelEnd || (c == '#' && i != filter.Length - 1))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether the topic name <paramref name="topic"/> matches the filter <paramref name="filter"/> (MQTT 3.1.1 §4.7):
    /// '+' matches one level, '#' the parent level and any number of child levels; wildcards at the first level do not
    /// match topics starting with '$' (MQTT-4.7.2-1).
    /// </summary>
    public static bool Matches(string filter, string topic)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.Length > 0 && topic[0] == '$' && filter.Length > 0 && filter[0] is '+' or '#')
        {
            return false;
        }

        int f = 0;
        int t = 0;
        while (true)
        {
            int fEnd = filter.IndexOf('/', f);
            if (fEnd < 0)
            {
                fEnd = filter.Length;
            }

            ReadOnlySpan<char> fLevel = filter.AsSpan(f, fEnd - f);
            if (fLevel.SequenceEqual("#"))
            {
                return true;
            }

            if (t > topic.Length)
            {
                return false;
            }

            int tEnd = topic.IndexOf('/', t);
            if (tEnd < 0)
            {
                tEnd = topic.Length;
            }

            if (!fLevel.SequenceEqual("+") && !fLevel.SequenceEqual(topic.AsSpan(t, tEnd - t)))
            {
                return false;
            }

            bool filterDone = fEnd == filter.Length;
            bool topicDone = tEnd == topic.Length;
            if (filterDone || topicDone)
            {
                // "a/#" also matches "a" (MQTT 3.1.1 §4.7.1.2).
                return filterDone == topicDone || (topicDone && filter.AsSpan(fEnd).SequenceEqual("/#"));
            }

            f = fEnd + 1;
            t = tEnd + 1;
        }
    }
}

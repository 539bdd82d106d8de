using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.PlatformValidator.Tests;

/// <summary>One log entry as the server wrote it: category, event id, level, text and the structured values.</summary>
internal sealed record LogEntry(string Category, int EventId, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Values);

/// <summary>An in-memory logger provider: what the app logs, with the LoggerMessage state kept as named values.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public IReadOnlyList<LogEntry> WithEvent(int eventId) => [.. _entries.Where(e => e.EventId == eventId)];

    /// <summary>Waits (bounded) for an entry some background code writes after the client has its answer.</summary>
    public async Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (_entries.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("no matching log entry; the log has:\n" + string.Join("\n", _entries.Select(e => $"  [{e.EventId}] {e.Message}")));
            }

            await Task.Delay(20);
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, LogCapture owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var pair in pairs)
                {
                    values[pair.Key] = pair.Value;
                }
            }

            owner._entries.Enqueue(new LogEntry(category, eventId.Id, logLevel, formatter(state, exception), values));
        }
    }
}

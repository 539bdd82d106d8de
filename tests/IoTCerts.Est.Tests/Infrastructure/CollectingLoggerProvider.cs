using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Est.Tests;

/// <summary>A log entry as the server wrote it.</summary>
internal sealed record LogEntry(string Category, int EventId, LogLevel Level, string Message);

/// <summary>Keeps every log entry of a server in memory, for assertions on what was logged.</summary>
internal sealed class CollectingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Collecting(categoryName, Entries);

    public void Dispose()
    {
    }

    private sealed class Collecting(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue(new LogEntry(category, eventId.Id, logLevel, formatter(state, exception)));
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.DeviceAgent.Tests;

/// <summary>Records every log entry of the agent's host (event id, level, rendered message) and echoes it to the test output.</summary>
internal sealed class CapturedLogs(Action<string>? echo = null) : ILoggerProvider
{
    private readonly Action<string>? _echo = echo;

    public ConcurrentQueue<(int EventId, LogLevel Level, string Category, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public IReadOnlyList<string> MessagesWith(int eventId) => Entries.Where(e => e.EventId == eventId).Select(e => e.Message).ToList();

    public async Task<bool> WaitForAsync(Func<CapturedLogs, bool> condition, TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (condition(this))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition(this);
    }

    public string Dump() => string.Join("\n", Entries.Select(e => $"[{e.EventId} {e.Level}] {e.Category}: {e.Message}"));

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string message = formatter(state, exception);
            owner.Entries.Enqueue((eventId.Id, logLevel, category, message));
            try
            {
                owner._echo?.Invoke($"{DateTime.UtcNow:HH:mm:ss.fff} [{eventId.Id} {logLevel}] {message}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished; xunit's output helper no longer accepts lines.
            }
        }
    }
}

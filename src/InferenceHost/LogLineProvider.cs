namespace Cltool.InferenceHost;

/// <summary>
/// Sends ASP.NET Core's warnings and errors to the host's one log (the same lines as "serving …" and "listening on …"),
/// so an operator reads one stream, and the request id a 500 names finds its exception there.
/// </summary>
sealed class LogLineProvider(Action<string> log) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName, log);

    public void Dispose() { }

    sealed class LineLogger(string category, Action<string> log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            log($"{logLevel.ToString().ToLowerInvariant()}: {category}: {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
        }
    }
}

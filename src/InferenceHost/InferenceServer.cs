using Cltool.Core.Errors;
using Cltool.InferenceHost.Protocol;
using Cltool.InferenceHost.Serving;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Cltool.InferenceHost;

/// <summary>
/// The console server: loads the model (warm-up included), starts Kestrel with the body limit, the API key check,
/// the error mapping and the endpoints. On Ctrl-C or SIGTERM Kestrel stops accepting and waits for in-flight requests,
/// which the batcher (stopped only after Kestrel) still answers; then the process exits 0.
/// </summary>
public sealed class InferenceServer : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ModelSlot _slot;
    readonly DynamicBatcher _batcher;
    readonly ModelReloader _reloader;

    InferenceServer(WebApplication app, ModelSlot slot, DynamicBatcher batcher, ModelReloader reloader) =>
        (_app, _slot, _batcher, _reloader) = (app, slot, batcher, reloader);

    public IReadOnlyList<string> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    public ModelSession Model => _slot.Current;

    /// <summary>Runs until Ctrl-C or SIGTERM; returns the exit code.</summary>
    public static async Task<int> RunAsync(ServeOptions options, Action<string> log)
    {
        await using InferenceServer server = await StartAsync(options, log);
        await server._app.WaitForShutdownAsync();
        log("stopped: in-flight requests answered");
        return ExitCodes.Success;
    }

    public static async Task<InferenceServer> StartAsync(ServeOptions options, Action<string> log)
    {
        options = options.WithEnvironmentApiKey();
        if (options.Problem() is { } problem) throw new CltoolException(problem, ExitCodes.Usage);
        ModelSession session = ModelSession.Open(options.ModelPath, options.Device, options.Threads, log);
        var metrics = new HostMetrics(options.Name);
        metrics.SetProvider(session.ExecutionProvider);
        var slot = new ModelSlot(session);
        var batcher = new DynamicBatcher(slot, metrics, options.MaxBatch, options.MaxDelayMs, options.QueueCapacity);
        var reloader = new ModelReloader(options, slot, metrics, log);

        WebApplication app = Build(options, new Endpoints(options, slot, batcher, reloader, metrics), log);
        var server = new InferenceServer(app, slot, batcher, reloader);
        await app.StartAsync();
        log($"serving '{options.Name}' from {options.ModelPath} (sha256 {session.Sha256[..12]}, {session.Classes} classes, input {session.Channels}x{session.Height}x{session.Width}) on {session.ExecutionProvider}");
        log($"batching up to {options.MaxBatch} images within {options.MaxDelayMs} ms, queue {options.QueueCapacity}; " +
            $"threads {(options.Threads == 0 ? "auto" : options.Threads)}; API key {(options.ApiKey is null ? "off" : "required")}; " +
            $"body limit {options.MaxBodyBytes} bytes, image limit {options.MaxImagePixels} pixels, timeout {options.RequestTimeoutMs} ms{(options.Watch ? "; reloading when the model file changes" : "")}");
        log($"listening on {string.Join(", ", server.Addresses)}");
        return server;
    }

    static WebApplication Build(ServeOptions options, Endpoints endpoints, Action<string> log)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(form => form.MultipartBodyLengthLimit = options.MaxBodyBytes);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new LogLineProvider(log)).SetMinimumLevel(LogLevel.Warning);

        WebApplication app = builder.Build();
        app.Use((context, next) => WriteErrors(context, next, options.Name));
        app.Use((context, next) => RequireApiKey(context, next, options.ApiKey));
        endpoints.Map(app);
        return app;
    }

    /// <summary>
    /// Every refusal as <c>{"error": "..."}</c> with its status; anything unexpected as a 500 naming the request id, with
    /// the exception in the log under that id (never in the body: it is the host's internals, not the client's business).
    /// </summary>
    static async Task WriteErrors(HttpContext context, Func<Task> next, string model)
    {
        try
        {
            await next();
        }
        catch (Exception error) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            (int status, string message, int? retry) = error switch
            {
                HostError host => (host.Status, host.Message, host.RetryAfterSeconds),
                BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
                    (StatusCodes.Status413PayloadTooLarge, "the request body is larger than the host's limit.", (int?)null),
                BadHttpRequestException bad => (bad.StatusCode, $"bad request: {bad.Message}", null),
                _ => (StatusCodes.Status500InternalServerError, $"internal error (request {context.TraceIdentifier}); the host's log has the details.", null),
            };
            // A client's mistake is answered above; anything else is the host's fault, and the operator must see it.
            if (status >= 500 && error is not HostError)
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("cltool-host")
                    .LogError(error, "request {RequestId} {Method} {Path} (model '{Model}') failed", context.TraceIdentifier, context.Request.Method, context.Request.Path, model);
            context.Response.Clear();
            context.Response.StatusCode = status;
            if (retry is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString();
            await context.Response.WriteAsJsonAsync(new { error = message });
        }
    }

    static Task RequireApiKey(HttpContext context, Func<Task> next, string? key)
    {
        if (key is null || context.Request.Path.StartsWithSegments("/v2/health")) return next();
        string? given = context.Request.Headers["X-API-Key"].FirstOrDefault();
        string? authorization = context.Request.Headers.Authorization.FirstOrDefault();
        if (given is null && authorization?.StartsWith("Bearer ", StringComparison.Ordinal) == true) given = authorization["Bearer ".Length..];
        if (given is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(key)))
            return next();
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return context.Response.WriteAsJsonAsync(new { error = given is null ? "an API key is required (Authorization: Bearer KEY or X-API-Key)." : "the API key is wrong." });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _batcher.DisposeAsync();   // after Kestrel: requests it was still answering needed the batcher
        _reloader.Dispose();
        _slot.Dispose();
        await _app.DisposeAsync();
    }
}

using Cltool.Core.Errors;
using Cltool.InferenceHost.Protocol;
using Cltool.InferenceHost.Protocol.Grpc;
using Cltool.InferenceHost.Serving;
using Cltool.InferenceHost.Ui;
using Microsoft.Extensions.DependencyInjection.Extensions;
using HttpProtocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols;

namespace Cltool.InferenceHost;

/// <summary>
/// The console server: loads the models (warm-up included), starts Kestrel with REST on its addresses and gRPC on its
/// own (HTTP/2) addresses, the body limit, the API key check, the error mapping and the endpoints. On Ctrl-C or SIGTERM
/// Kestrel stops accepting and waits for in-flight requests, which the batchers (stopped only after Kestrel) still
/// answer; then the process exits 0.
/// </summary>
public sealed class InferenceServer : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ModelRepository _repository;
    readonly RepositoryWatcher _watcher;
    readonly KestrelAddresses _http, _grpc;

    InferenceServer(WebApplication app, ModelRepository repository, RepositoryWatcher watcher, KestrelAddresses http, KestrelAddresses grpc) =>
        (_app, _repository, _watcher, _http, _grpc) = (app, repository, watcher, http, grpc);

    /// <summary>Where REST listens.</summary>
    public IReadOnlyList<string> Addresses => _http.Bound;

    /// <summary>Where gRPC listens (empty with --grpc-urls none).</summary>
    public IReadOnlyList<string> GrpcAddresses => _grpc.Bound;

    public ModelRepository Repository => _repository;

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
        var metrics = new HostMetrics();
        IModelSource source = options.RepositoryPath is { } folder ? new RepositorySource(folder) : new ModelFileSource(options.Name, options.ModelPath);
        var repository = new ModelRepository(source, options, metrics, log);
        try
        {
            await LoadAtStartAsync(repository, options);
            TlsCertificates? tls = TlsCertificates.Load(options);
            var http = new KestrelAddresses(options.Urls, HttpProtocols.Http1, tls);
            var grpc = new KestrelAddresses(options.GrpcListenUrls, HttpProtocols.Http2, tls);
            WebApplication app = Build(options, repository, metrics, http, grpc, log);
            var server = new InferenceServer(app, repository, new RepositoryWatcher(options, repository, log), http, grpc);
            await app.StartAsync();
            log($"batching (where a model's config is silent) up to {options.MaxBatch} images within {options.MaxDelayMs} ms, queue {options.QueueCapacity}; " +
                $"threads {(options.Threads == 0 ? "auto" : options.Threads)}; API key {(options.ApiKey is null ? "off" : "required")}; " +
                $"body limit {options.MaxBodyBytes} bytes, image limit {options.MaxImagePixels} pixels, timeout {options.RequestTimeoutMs} ms; {Control(options)}; " +
                $"TLS {(tls is null ? "off" : $"on ({tls.Server.Subject}{(options.TlsClientCa is null ? "" : ", client certificates required")})")}");
            if (server.GrpcAddresses.Count > 0) log($"gRPC listening on {string.Join(", ", server.GrpcAddresses)}");
            if (options.Ui) log($"web page: {server.Addresses[0].TrimEnd('/')}/");
            log($"listening on {string.Join(", ", server.Addresses)}");
            return server;
        }
        catch
        {
            await repository.DisposeAsync();
            throw;
        }
    }

    /// <summary>A model file must load; a repository loads what its mode says, and a model that fails is logged (not ready).</summary>
    static async Task LoadAtStartAsync(ModelRepository repository, ServeOptions options)
    {
        if (options.RepositoryPath is null) await repository.LoadAsync(options.Name, force: false);
        else if (options.ControlMode != ModelControlMode.Explicit) await repository.LoadAllAsync();
        else if (options.LoadModels.Contains("*")) await repository.LoadAllAsync();
        else foreach (string name in options.LoadModels) await repository.LoadAsync(name, force: false);
    }

    static string Control(ServeOptions options) =>
        options.RepositoryPath is null ? options.Watch ? "reloading when the model file changes" : "reload with POST /v2/repository/models/NAME/load"
        : options.ControlMode switch
        {
            ModelControlMode.Poll => $"repository {options.RepositoryPath}, polled every {options.PollSeconds} s",
            ModelControlMode.Explicit => $"repository {options.RepositoryPath}, models loaded and unloaded on request",
            _ => $"repository {options.RepositoryPath}, loaded once",
        };

    static WebApplication Build(ServeOptions options, ModelRepository repository, HostMetrics metrics, KestrelAddresses http, KestrelAddresses grpc, Action<string> log)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            http.Listen(kestrel);
            grpc.Listen(kestrel);
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(form => form.MultipartBodyLengthLimit = options.MaxBodyBytes);
        var runner = new InferenceRunner(options, metrics);
        builder.Services.AddSingleton(options).AddSingleton(repository).AddSingleton(runner);
        builder.Services.AddGrpc(grpcOptions =>
        {
            // Triton's clients allow messages up to 2 GB; the host's own body limit is the bound here as on REST.
            grpcOptions.MaxReceiveMessageSize = (int)Math.Min(options.MaxBodyBytes, int.MaxValue);
            grpcOptions.MaxSendMessageSize = null;
            grpcOptions.Interceptors.Add<GrpcPolicy>();
        });
        // Every service bound with deserializers that answer INVALID_ARGUMENT for unparseable bytes (see the provider).
        builder.Services.RemoveAll(typeof(Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>));
        builder.Services.AddSingleton(typeof(Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>), typeof(StrictServiceMethodProvider<>));
        builder.Services.AddHttpContextAccessor();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new LogLineProvider(log)).SetMinimumLevel(LogLevel.Warning);

        WebApplication app = builder.Build();
        app.Use((context, next) => WriteErrors(context, next, options.Name));
        app.Use((context, next) => RequireApiKey(context, next, options));
        app.MapGrpcService<GrpcEndpoints>();
        app.MapGrpcService<GrpcHealth>();
        if (options.Ui) WebPage.Map(app, repository);
        new Endpoints(options, repository, runner, metrics).Map(app);
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

    /// <summary>REST's key check; gRPC calls are checked by <see cref="GrpcPolicy"/>, which answers with a gRPC status.</summary>
    static Task RequireApiKey(HttpContext context, Func<Task> next, ServeOptions options)
    {
        if (context.Request.Path.StartsWithSegments("/v2/health") || options.Ui && WebPage.IsPublic(context.Request.Path)
            || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
            return next();
        if (ApiKeyCheck.Refusal(options.ApiKey, context.Request.Headers["X-API-Key"].FirstOrDefault(), context.Request.Headers.Authorization.FirstOrDefault()) is not { } refusal)
            return next();
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return context.Response.WriteAsJsonAsync(new { error = refusal });
    }

    public async ValueTask DisposeAsync()
    {
        _watcher.Dispose();
        await _app.StopAsync();
        await _repository.DisposeAsync();   // after Kestrel: requests it was still answering needed the batchers
        await _app.DisposeAsync();
    }
}

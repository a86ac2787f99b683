using System.Text.Json.Nodes;
using Cltool.Core.Errors;
using Cltool.Core.Imaging;
using Cltool.InferenceHost.Serving;

namespace Cltool.InferenceHost.Protocol;

/// <summary>
/// The host's HTTP surface: KServe v2 (health, server and model metadata, model configuration, infer with the
/// classification and binary tensor extensions, for the default or a named version), Triton's model repository
/// extension (index, load, unload) and the image upload endpoint. Handlers validate, queue into the version's batcher and
/// shape answers; errors are thrown as <see cref="HostError"/> and written by <see cref="InferenceServer"/>'s error middleware.
/// </summary>
public sealed class Endpoints(ServeOptions options, ModelRepository repository, InferenceRunner runner, HostMetrics metrics)
{
    /// <summary>Images one infer request may carry (the body size limit applies too).</summary>
    public const int MaxImagesPerRequest = 256;
    const int DefaultTopK = 5;

    public static readonly string[] Extensions = ["classification", "model_repository", "model_configuration", "binary_tensor_data", "statistics"];

    public void Map(WebApplication app)
    {
        app.MapGet("/v2/health/live", () => Results.Json(new { live = true }));
        app.MapGet("/v2/health/ready", () => Results.Json(new { ready = repository.IsReady() }, statusCode: repository.IsReady() ? 200 : 400));
        app.MapGet("/v2", () => Results.Json(new { name = "cltool-host", version = ServerVersion, extensions = Extensions }));
        foreach (string model in new[] { "/v2/models/{name}", "/v2/models/{name}/versions/{version}" })
        {
            app.MapGet(model, (string name, string? version) => ModelMetadata(name, version));
            app.MapGet(model + "/ready", (string name, string? version) => ModelReady(name, version));
            app.MapGet(model + "/config", (string name, string? version) => ModelConfig(name, version));
            app.MapPost(model + "/infer", (string name, string? version, HttpContext context) => InferAsync(name, version, context));
        }
        app.MapGet("/v2/models/stats", () => Results.Json(StatisticsReport.Json(StatisticsReport.Select(repository, null, null))));
        app.MapGet("/v2/models/{name}/stats", (string name) => Results.Json(StatisticsReport.Json(StatisticsReport.Select(repository, name, null))));
        app.MapGet("/v2/models/{name}/versions/{version}/stats",
            (string name, string version) => Results.Json(StatisticsReport.Json(StatisticsReport.Select(repository, name, version))));
        app.MapPost("/v1/models/{name}/classify", ClassifyAsync);
        app.MapPost("/v2/repository/index", (HttpRequest request) => RepositoryIndexAsync(request));
        app.MapPost("/v2/repository/models/{name}/load", (string name) => ChangeAsync(name, load: true));
        app.MapPost("/v2/repository/models/{name}/unload", (string name) => ChangeAsync(name, load: false));
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4";
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });
        app.MapFallback(IResult () => throw HostError.NotFound("no such endpoint; see /v2 and /v2/models/{name}"));
    }

    public static string? ServerVersion => typeof(Endpoints).Assembly.GetName().Version?.ToString(3);

    IResult ModelMetadata(string name, string? version)
    {
        using ServedVersion.Lease lease = repository.Acquire(name, version);
        return Results.Json(ModelConfiguration.Json(ModelConfiguration.Metadata(name, repository.ReadyVersions(name), lease.Served.Session)));
    }

    IResult ModelReady(string name, string? version)
    {
        using ServedVersion.Lease lease = repository.Acquire(name, version);
        return Results.Json(new { name, version = lease.Served.Version.ToString(), ready = true });
    }

    IResult ModelConfig(string name, string? version)
    {
        using ServedVersion.Lease lease = repository.Acquire(name, version);
        return Results.Json(ModelConfiguration.Json(ModelConfiguration.Of(name, lease.Served)));
    }

    async Task<IResult> InferAsync(string name, string? version, HttpContext context)
    {
        using ServedVersion.Lease lease = repository.Acquire(name, version);
        byte[] body = await ReadBodyAsync(context);
        (ReadOnlyMemory<byte> json, ReadOnlyMemory<byte> binary) = BinaryTensors.Split(body, context.Request.Headers[BinaryTensors.HeaderLengthHeader].FirstOrDefault());
        InferRequest request = runner.Decode(lease.Served, () => json.IsEmpty
            ? InferenceJson.RawBinary(binary, lease.Served.Session)
            : InferenceJson.Parse(json, binary, lease.Served.Session, MaxImagesPerRequest));
        InferenceResult result = await runner.RunAsync(lease.Served, request.Pixels, request.Count, context.RequestAborted);
        (JsonObject header, byte[]? outputs) = InferenceJson.Response(lease.Served, request, result);
        return BinaryTensors.Result(header, outputs);
    }

    async Task<IResult> ClassifyAsync(string name, HttpContext context)
    {
        using ServedVersion.Lease lease = repository.Acquire(name, null);
        int topK = TopK(context.Request.Query["top_k"]);
        byte[] image = await ReadImageAsync(context);
        float[] pixels = runner.Decode(lease.Served, () => Decode(image, lease.Served.Session));
        InferenceResult result = await runner.RunAsync(lease.Served, pixels, 1, context.RequestAborted);
        var predictions = InferenceJson.TopK(result, 0, Math.Min(topK, result.Classes))
            .Select(c => new JsonObject { ["label"] = c.Label, ["index"] = c.Index, ["score"] = c.Score });
        return Results.Json(new JsonObject
        {
            ["model_name"] = name,
            ["model_version"] = lease.Served.Version.ToString(),
            ["predictions"] = new JsonArray(predictions.ToArray<JsonNode>()),
        });
    }

    async Task<IResult> RepositoryIndexAsync(HttpRequest request)
    {
        bool readyOnly = await ReadyFlagAsync(request);
        return Results.Json(repository.Index(readyOnly).Select(IndexRow).ToArray());
    }

    static JsonObject IndexRow(IndexEntry entry)
    {
        var row = new JsonObject { ["name"] = entry.Name };
        if (entry.Version is not null) row["version"] = entry.Version;
        if (entry.State is not null) row["state"] = entry.State;
        if (entry.Reason is not null) row["reason"] = entry.Reason;
        return row;
    }

    async Task<IResult> ChangeAsync(string name, bool load)
    {
        await RepositoryChange.RunAsync(repository, options, name, load);
        return Results.Json(new { name, versions = repository.ReadyVersions(name).Select(v => v.Version.ToString()).ToArray() });
    }

    /// <summary>The optional <c>{"ready": bool}</c> of an index request; an empty body means all models.</summary>
    static async Task<bool> ReadyFlagAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        if (buffer.Length == 0) return false;
        try
        {
            return JsonNode.Parse(buffer.ToArray()) is JsonObject body && body["ready"] is JsonValue flag
                ? flag.TryGetValue(out bool ready) ? ready : throw HostError.BadRequest("'ready' must be true or false.")
                : false;
        }
        catch (System.Text.Json.JsonException error) { throw HostError.BadRequest($"the body is not valid JSON: {CltoolException.OneLine(error.Message)}"); }
    }

    float[] Decode(byte[] image, ModelSession model)
    {
        if (ImageDecoder.ProbeBytes(image) is not { } size)
            throw HostError.BadRequest("the upload is not a decodable image (expected PNG, JPEG, WebP or BMP).");
        if ((long)size.Width * size.Height > options.MaxImagePixels)
            throw HostError.TooLarge($"the image is {size.Width}x{size.Height} = {(long)size.Width * size.Height} pixels; the limit is {options.MaxImagePixels}.");
        RgbImage decoded;
        try { decoded = ImageDecoder.Decode(image, "the uploaded image", options.MaxImagePixels); }
        catch (CltoolException error) { throw HostError.BadRequest(error.Message); }
        if (model.Channels != 3) throw HostError.BadRequest($"the model takes {model.Channels} channels; the classify endpoint feeds RGB images.");
        return Transforms.Eval(decoded, model.Metadata.Preprocessing);
    }

    static int TopK(string? text)
    {
        if (string.IsNullOrEmpty(text)) return DefaultTopK;
        return int.TryParse(text, out int k) && k > 0 ? k : throw HostError.BadRequest($"top_k must be a positive integer, got '{text}'.");
    }

    static async Task<byte[]> ReadImageAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        if (!request.HasFormContentType) return await ReadBodyAsync(context);
        try
        {
            IFormCollection form = await request.ReadFormAsync(context.RequestAborted);
            IFormFile file = form.Files.FirstOrDefault() ?? throw HostError.BadRequest("the multipart body holds no file part; send the image as a file field.");
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, context.RequestAborted);
            return buffer.ToArray();
        }
        catch (Exception error) when (error is InvalidDataException or IOException && !context.RequestAborted.IsCancellationRequested)
        {
            // ASP.NET Core's form reader reports a body that breaks the multipart grammar (a missing or cut-off boundary,
            // a bad section header) as these; a client that went away cancels the request instead.
            throw HostError.BadRequest($"the multipart body is malformed: {CltoolException.OneLine(error.Message)}");
        }
    }

    static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length == 0) throw HostError.BadRequest("the request body is empty.");
        return buffer.ToArray();
    }
}

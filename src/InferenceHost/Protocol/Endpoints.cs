using System.Diagnostics;
using System.Text.Json.Nodes;
using Cltool.Core.Errors;
using Cltool.Core.Imaging;
using Cltool.InferenceHost.Serving;
using Cltool.Core.Models;

namespace Cltool.InferenceHost.Protocol;

/// <summary>
/// The host's HTTP surface: KServe v2 (health, server and model metadata, infer with the classification extension,
/// repository load) and the image upload endpoint. Handlers validate, queue into the batcher and shape answers;
/// errors are thrown as <see cref="HostError"/> and written by <see cref="InferenceServer"/>'s error middleware.
/// </summary>
public sealed class Endpoints(ServeOptions options, ModelSlot slot, DynamicBatcher batcher, ModelReloader reloader, HostMetrics metrics)
{
    /// <summary>Images one infer request may carry (the body size limit applies too).</summary>
    public const int MaxImagesPerRequest = 256;
    const int DefaultTopK = 5;

    public void Map(WebApplication app)
    {
        app.MapGet("/v2/health/live", () => Results.Json(new { live = true }));
        app.MapGet("/v2/health/ready", () => Results.Json(new { ready = true }));
        app.MapGet("/v2", () => Results.Json(new
        {
            name = "cltool-host",
            version = typeof(Endpoints).Assembly.GetName().Version?.ToString(3),
            extensions = new[] { "classification", "model_repository", "binary_tensor_data" },
        }));
        app.MapGet("/v2/models/{name}", (string name) => ModelMetadata(options.Name, Served(name)));
        app.MapGet("/v2/models/{name}/ready", (string name) => { Served(name); return Results.Json(new { name = options.Name, ready = true }); });
        app.MapPost("/v2/models/{name}/infer", InferAsync);
        app.MapPost("/v1/models/{name}/classify", ClassifyAsync);
        // One served model, one version: the index Triton's clients read (model_repository extension).
        app.MapPost("/v2/repository/index", () => Results.Json(new[] { new { name = options.Name, version = "1", state = "READY" } }));
        app.MapPost("/v2/repository/models/{name}/load", async (string name) =>
        {
            Served(name);
            try { await reloader.ReloadAsync(); }
            catch (CltoolException error) { throw HostError.BadRequest($"the model file could not be loaded; still serving the previous one: {error.Message}"); }
            return Results.Json(new { name = options.Name, reloads = slot.Reloads });
        });
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4";
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });
        app.MapFallback(IResult () => throw HostError.NotFound("no such endpoint; see /v2 and /v2/models/{name}"));
    }

    ModelSession Served(string name) => name == options.Name
        ? slot.Current
        : throw HostError.NotFound($"model '{name}' is not served here; this host serves '{options.Name}'.");

    static IResult ModelMetadata(string name, ModelSession model) => Results.Json(new
    {
        name,
        versions = new[] { "1" },
        platform = "onnxruntime_onnx",
        inputs = new[] { new { name = ModelSignature.Input, datatype = "FP32", shape = new long[] { -1, model.Channels, model.Height, model.Width } } },
        outputs = new[] { new { name = ModelSignature.Output, datatype = "FP32", shape = new long[] { -1, model.Classes } } },
    });

    async Task<IResult> InferAsync(string name, HttpContext context)
    {
        ModelSession model = Served(name);
        byte[] body = await ReadBodyAsync(context);
        (ReadOnlyMemory<byte> json, ReadOnlyMemory<byte> binary) = BinaryTensors.Split(body, context.Request.Headers[BinaryTensors.HeaderLengthHeader].FirstOrDefault());
        InferRequest request = InferenceJson.Parse(json, binary, model, MaxImagesPerRequest);
        InferenceResult result = await RunAsync(request.Pixels, request.Count, context);
        (JsonObject header, byte[]? outputs) = InferenceJson.Response(options.Name, request, result);
        return BinaryTensors.Result(header, outputs);
    }

    async Task<IResult> ClassifyAsync(string name, HttpContext context)
    {
        ModelSession model = Served(name);
        int topK = TopK(context.Request.Query["top_k"]);
        byte[] image = await ReadImageAsync(context);
        float[] pixels = Decode(image, model);
        InferenceResult result = await RunAsync(pixels, 1, context);
        var predictions = InferenceJson.TopK(result, 0, Math.Min(topK, result.Classes))
            .Select(c => new JsonObject { ["label"] = c.Label, ["index"] = c.Index, ["score"] = c.Score });
        return Results.Json(new JsonObject { ["model_name"] = options.Name, ["predictions"] = new JsonArray(predictions.ToArray<JsonNode>()) });
    }

    /// <summary>Queues the images, counts the outcome, and turns a full queue or a timeout into the right status.</summary>
    async Task<InferenceResult> RunAsync(float[] pixels, int count, HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(options.RequestTimeoutMs);
        metrics.InFlight.WithLabels(options.Name).Inc();
        try
        {
            InferenceResult result = await batcher.SubmitAsync(pixels, count, timeout.Token);
            metrics.Success.WithLabels(options.Name).Inc();
            return result;
        }
        catch (QueueFullException error)
        {
            metrics.Failure.WithLabels(options.Name, "REJECTED").Inc();
            throw new HostError(StatusCodes.Status503ServiceUnavailable, error.Message, retryAfterSeconds: 1);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            metrics.Failure.WithLabels(options.Name, "TIMEOUT").Inc();
            throw new HostError(StatusCodes.Status504GatewayTimeout, $"the request did not finish within {options.RequestTimeoutMs} ms.");
        }
        catch (OperationCanceledException)
        {
            metrics.Failure.WithLabels(options.Name, "CANCELED").Inc();
            throw;
        }
        catch (ModelChangedException error)
        {
            metrics.Failure.WithLabels(options.Name, "BACKEND").Inc();
            throw new HostError(StatusCodes.Status409Conflict, error.Message);
        }
        finally
        {
            metrics.InFlight.WithLabels(options.Name).Dec();
            metrics.RequestMicroseconds.WithLabels(options.Name).Inc(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }
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

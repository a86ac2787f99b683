using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cltool.InferenceHost.Serving;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

namespace Cltool.InferenceHost.Tests;

/// <summary>
/// The real server (Kestrel on a free loopback port, ONNX Runtime on the CPU) with the tiny model, an API key and
/// small limits so the limits can be reached cheaply; plus helpers that build requests and run the model directly.
/// </summary>
public sealed class RunningServer : IAsyncLifetime
{
    public const string ApiKey = "test-key";
    public const long MaxImagePixels = 100_000, MaxBodyBytes = 2 * 1024 * 1024;

    readonly TemporaryDirectory _temporary = new();
    readonly List<string> _log = [];
    InferenceServer? _server;

    public string ModelPath => _temporary.File("tiny.onnx");
    public HttpClient Client { get; } = new();
    public IReadOnlyList<string> Log => _log;
    public InferenceServer Server => _server!;

    public async Task InitializeAsync()
    {
        TinyOnnxModel.Write(ModelPath);
        _server = await InferenceServer.StartAsync(Options(ModelPath), line => { lock (_log) _log.Add(line); });
        Client.BaseAddress = new Uri(_server.Addresses.Single());
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
    }

    public static ServeOptions Options(string model) => new()
    {
        ModelPath = model,
        Urls = "http://127.0.0.1:0",
        GrpcUrls = "http://127.0.0.1:0",
        Device = Core.DeviceKind.Cpu,
        ApiKey = ApiKey,
        MaxImagePixels = MaxImagePixels,
        MaxBodyBytes = MaxBodyBytes,
        MaxBatch = 16,
        MaxDelayMs = 5,
    };

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        _temporary.Dispose();
    }

    /// <summary>A client of <paramref name="server"/>'s REST address that sends the API key.</summary>
    public static HttpClient ClientOf(InferenceServer server)
    {
        var client = new HttpClient { BaseAddress = new Uri(server.Addresses.Single()) };
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        return client;
    }

    /// <summary><paramref name="model"/> run directly in ONNX Runtime through the host's own session type.</summary>
    public static float[] Direct(string model, float[] pixels, int count = 1)
    {
        using ModelSession session = ModelSession.Open(model, Core.DeviceKind.Cpu, 0, _ => { });
        return session.Run(pixels, count);
    }

    public static float[] RandomImages(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count * 3 * 16 * 16).Select(_ => random.NextSingle() * 2 - 1).ToArray();
    }

    public static JsonObject InferBody(float[] pixels, int count, int? classification = null)
    {
        var body = new JsonObject
        {
            ["id"] = "request-1",
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = "pixel_values",
                ["shape"] = new JsonArray(count, 3, 16, 16),
                ["datatype"] = "FP32",
                ["data"] = new JsonArray(pixels.Select(v => (JsonNode)v).ToArray()),
            }),
        };
        if (classification is { } k)
            body["outputs"] = new JsonArray(new JsonObject { ["name"] = "logits", ["parameters"] = new JsonObject { ["classification"] = k } });
        return body;
    }

    /// <summary>The model run directly in ONNX Runtime, without the server: what every answer must equal.</summary>
    public float[] Direct(float[] pixels, int count)
    {
        using var session = new InferenceSession(ModelPath);
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [count, 3, 16, 16]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["pixel_values"], [input], ["logits"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>A PNG of a gradient with a dark rectangle, <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static byte[] Png(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) bitmap.SetPixel(x, y, new SKColor((byte)(x * 255 / width), (byte)(y * 255 / height), 128));
            using var paint = new SKPaint { Color = SKColors.Black };
            canvas.DrawRect(width / 4f, height / 4f, width / 3f, height / 2f, paint);
        }
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    public static async Task<JsonObject> ReadJson(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;
}

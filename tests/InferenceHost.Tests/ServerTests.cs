using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Cltool.Core.Imaging;
using SkiaSharp;

namespace Cltool.InferenceHost.Tests;

/// <summary>Every endpoint of the real server on a loopback port, its answers against ONNX Runtime run directly, and its refusals.</summary>
public sealed class ServerTests(RunningServer host) : IClassFixture<RunningServer>
{
    HttpClient Client => host.Client;

    [Theory]
    [InlineData("/v2/health/live", "live")]
    [InlineData("/v2/health/ready", "ready")]
    [InlineData("/v2/models/tiny/ready", "ready")]
    public async Task Health_and_readiness_answer_true(string path, string field)
    {
        JsonObject answer = (await Client.GetFromJsonAsync<JsonObject>(path))!;

        Assert.True(answer[field]!.GetValue<bool>());
    }

    [Fact]
    public async Task Server_and_model_metadata_follow_kserve_v2()
    {
        JsonObject server = (await Client.GetFromJsonAsync<JsonObject>("/v2"))!;
        JsonObject model = (await Client.GetFromJsonAsync<JsonObject>("/v2/models/tiny"))!;

        Assert.Equal("cltool-host", server["name"]!.GetValue<string>());
        Assert.Contains("classification", server["extensions"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal("tiny", model["name"]!.GetValue<string>());
        Assert.Equal("onnxruntime_onnx", model["platform"]!.GetValue<string>());
        Assert.Equal("[-1,3,16,16]", model["inputs"]![0]!["shape"]!.ToJsonString());
        Assert.Equal("[-1,10]", model["outputs"]![0]!["shape"]!.ToJsonString());
    }

    [Fact]
    public async Task The_repository_index_lists_the_served_model_as_ready()
    {
        using HttpResponseMessage response = await Client.PostAsync("/v2/repository/index", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""[{"name":"tiny","version":"1","state":"READY"}]""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Infer_equals_onnx_runtime_run_directly()
    {
        float[] pixels = RunningServer.RandomImages(3, seed: 1);

        HttpResponseMessage response = await Client.PostAsJsonAsync("/v2/models/tiny/infer", RunningServer.InferBody(pixels, 3));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonObject answer = await RunningServer.ReadJson(response);
        Assert.Equal("request-1", answer["id"]!.GetValue<string>());
        JsonNode output = answer["outputs"]![0]!;
        Assert.Equal("[3,10]", output["shape"]!.ToJsonString());
        float[] logits = output["data"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
        Assert.Equal(host.Direct(pixels, 3), logits);
    }

    [Fact]
    public async Task The_classification_extension_answers_the_top_k_as_score_index_label()
    {
        float[] pixels = RunningServer.RandomImages(1, seed: 2);
        float[] direct = host.Direct(pixels, 1);
        int best = Array.IndexOf(direct, direct.Max());

        JsonObject answer = await RunningServer.ReadJson(await Client.PostAsJsonAsync("/v2/models/tiny/infer", RunningServer.InferBody(pixels, 1, classification: 3)));

        JsonNode output = answer["outputs"]![0]!;
        Assert.Equal("BYTES", output["datatype"]!.GetValue<string>());
        string[] top = output["data"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray();
        Assert.Equal(3, top.Length);
        Assert.EndsWith($":{best}:{TinyOnnxModel.Labels[best]}", top[0]);
    }

    [Fact]
    public async Task Classify_a_png_answers_the_same_top_k_as_the_model_on_the_preprocessed_image()
    {
        byte[] png = RunningServer.Png(40, 30);
        float[] preprocessed = Transforms.Eval(ImageDecoder.Decode(png, "test image"), Preprocessing.Native(16));
        float[] direct = host.Direct(preprocessed, 1);
        int best = Array.IndexOf(direct, direct.Max());

        HttpResponseMessage response = await Client.PostAsync("/v1/models/tiny/classify?top_k=2", new ByteArrayContent(png));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonArray predictions = (await RunningServer.ReadJson(response))["predictions"]!.AsArray();
        Assert.Equal(2, predictions.Count);
        Assert.Equal(best, predictions[0]!["index"]!.GetValue<int>());
        Assert.Equal(TinyOnnxModel.Labels[best], predictions[0]!["label"]!.GetValue<string>());
        double expected = 1 / direct.Sum(v => Math.Exp(v - direct[best]));
        Assert.Equal(expected, predictions[0]!["score"]!.GetValue<double>(), 5);
    }

    [Theory]
    [InlineData("Jpeg")]
    [InlineData("Webp")]
    public async Task Classify_decodes_jpeg_and_webp_uploads(string format)
    {
        using SKBitmap bitmap = SKBitmap.Decode(RunningServer.Png(32, 24));
        using SKData encoded = bitmap.Encode(Enum.Parse<SKEncodedImageFormat>(format), 90);

        HttpResponseMessage response = await Client.PostAsync("/v1/models/tiny/classify?top_k=1", new ByteArrayContent(encoded.ToArray()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single((await RunningServer.ReadJson(response))["predictions"]!.AsArray());
    }

    [Fact]
    public async Task Classify_takes_a_multipart_upload_too()
    {
        byte[] png = RunningServer.Png(20, 20);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(png), "image", "shoe.png" } };

        HttpResponseMessage response = await Client.PostAsync("/v1/models/tiny/classify", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, (await RunningServer.ReadJson(response))["predictions"]!.AsArray().Count);
    }

    public static TheoryData<string, int, string> BadRequests => new()
    {
        { "malformed-json", 400, "not valid JSON" },
        { "wrong-datatype", 400, "datatype 'INT64'; expected FP32" },
        { "wrong-shape", 400, "expected [N, 3, 16, 16]" },
        { "too-many-elements", 400, "has 769 values; its shape [1, 3, 16, 16] needs 768" },
        { "too-many-images", 413, "at most 256 per request" },
        { "truncated-image", 400, "truncated" },
        { "non-image-bytes", 400, "not a decodable image" },
        { "image-over-pixel-limit", 413, "the limit is 100000" },
        { "oversized-body", 413, "larger than the host's limit" },
        { "unknown-model", 404, "Request for unknown model: 'other' is not found; this host serves 'tiny'" },
        { "unknown-endpoint", 404, "no such endpoint" },
        { "missing-api-key", 401, "an API key is required" },
        { "wrong-api-key", 401, "the API key is wrong" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_request_gets_its_status_and_one_error_and_the_server_stays_healthy(string kind, int status, string message)
    {
        HttpResponseMessage response = await Client.SendAsync(Bad(kind));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(message, (await RunningServer.ReadJson(response))["error"]!.GetValue<string>());
        HttpResponseMessage after = await Client.PostAsJsonAsync("/v2/models/tiny/infer", RunningServer.InferBody(RunningServer.RandomImages(1, 3), 1));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    static HttpRequestMessage Bad(string kind)
    {
        HttpRequestMessage Post(string path, HttpContent content) => new(HttpMethod.Post, path) { Content = content };
        HttpRequestMessage Infer(JsonObject body) => Post("/v2/models/tiny/infer", JsonContent.Create(body));
        JsonObject Body() => RunningServer.InferBody(RunningServer.RandomImages(1, 4), 1);
        JsonNode Input(JsonObject body) => body["inputs"]![0]!;
        byte[] png = RunningServer.Png(30, 30);
        switch (kind)
        {
            case "malformed-json": return Post("/v2/models/tiny/infer", new StringContent("{\"inputs\": [", Encoding.UTF8, "application/json"));
            case "wrong-datatype": { var b = Body(); Input(b)["datatype"] = "INT64"; return Infer(b); }
            case "wrong-shape": { var b = Body(); Input(b)["shape"] = new JsonArray(1, 3, 28, 28); return Infer(b); }
            case "too-many-elements": { var b = Body(); Input(b)["data"]!.AsArray().Add(0.5f); return Infer(b); }
            case "too-many-images": { var b = Body(); Input(b)["shape"] = new JsonArray(300, 3, 16, 16); return Infer(b); }
            case "truncated-image": return Post("/v1/models/tiny/classify", new ByteArrayContent(png[..(png.Length / 2)]));
            case "non-image-bytes": return Post("/v1/models/tiny/classify", new ByteArrayContent(Encoding.UTF8.GetBytes("just some text, not an image")));
            case "image-over-pixel-limit": return Post("/v1/models/tiny/classify", new ByteArrayContent(RunningServer.Png(400, 300)));
            case "oversized-body":
                {
                    // Expect: 100-continue lets the server refuse before the body is sent, as a real client that cares would.
                    HttpRequestMessage request = Post("/v1/models/tiny/classify", new ByteArrayContent(new byte[RunningServer.MaxBodyBytes + 1]));
                    request.Headers.ExpectContinue = true;
                    return request;
                }
            case "unknown-model": return Post("/v2/models/other/infer", JsonContent.Create(Body()));
            case "unknown-endpoint": return new HttpRequestMessage(HttpMethod.Get, "/v2/nothing/here");
            case "missing-api-key":
                {
                    var request = new HttpRequestMessage(HttpMethod.Get, "/v2/models/tiny");
                    request.Headers.Authorization = null;
                    request.Headers.TryAddWithoutValidation("Authorization", "");
                    return request;
                }
            case "wrong-api-key":
                {
                    var request = new HttpRequestMessage(HttpMethod.Get, "/v2/models/tiny");
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-key");
                    return request;
                }
            default: throw new ArgumentException(kind);
        }
    }

    [Fact]
    public async Task Health_needs_no_api_key_but_metrics_do()
    {
        using var anonymous = new HttpClient { BaseAddress = host.Client.BaseAddress };

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/v2/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Two_thousand_requests_at_concurrency_32_all_succeed_batched_and_the_metrics_count_them()
    {
        float[] pixels = RunningServer.RandomImages(1, seed: 5);
        float[] expected = host.Direct(pixels, 1);
        string body = RunningServer.InferBody(pixels, 1).ToJsonString();
        int next = -1, mismatches = 0;
        var failures = new List<string>();

        async Task Worker()
        {
            while (Interlocked.Increment(ref next) < 2000)
            {
                HttpResponseMessage response = await Client.PostAsync("/v2/models/tiny/infer", new StringContent(body, Encoding.UTF8, "application/json"));
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    string failure = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                    lock (failures) failures.Add(failure);
                    continue;
                }
                float[] logits = (await RunningServer.ReadJson(response))["outputs"]![0]!["data"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
                if (!logits.Zip(expected).All(p => Math.Abs(p.First - p.Second) <= 1e-5f)) Interlocked.Increment(ref mismatches);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(Worker)));

        Assert.Empty(failures);
        Assert.Equal(0, mismatches);
        string metrics = await Client.GetStringAsync("/metrics");
        double images = Metric(metrics, "nv_inference_count"), batches = Metric(metrics, "nv_inference_exec_count");
        Assert.True(images >= 2000, metrics);
        Assert.True(images / batches > 1.5, $"mean batch size {images / batches:F2}: requests were not batched");
        Assert.Contains("cltool_execution_provider{model=\"tiny\",version=\"1\",provider=\"CPUExecutionProvider\"} 1", metrics);
        Assert.Contains("cltool_inference_batch_size_bucket", metrics);
    }

    static double Metric(string text, string name) =>
        double.Parse(text.Split('\n').Single(line => line.StartsWith(name + "{", StringComparison.Ordinal)).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
}

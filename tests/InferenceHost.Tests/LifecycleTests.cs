using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Cltool.Core;
using Cltool.InferenceHost.Protocol.Grpc;
using Cltool.InferenceHost.Runtime;
using Cltool.InferenceHost.Serving;

namespace Cltool.InferenceHost.Tests;

/// <summary>The server under pressure and change: a full queue, model reloads, a SIGTERM mid-request, an unusable CUDA.</summary>
public sealed class LifecycleTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    static async Task<float[]> Infer(HttpClient client, float[] pixels, int count = 1)
    {
        HttpResponseMessage response = await client.PostAsJsonAsync("/v2/models/tiny/infer", RunningServer.InferBody(pixels, count));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonObject answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return answer["outputs"]![0]!["data"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
    }

    static HttpClient ClientOf(InferenceServer server) => RunningServer.ClientOf(server);

    static float[] Direct(string model, float[] pixels, int count = 1) => RunningServer.Direct(model, pixels, count);

    static void Replace(string path, int seed)
    {
        string temporary = path + ".new";
        TinyOnnxModel.Write(temporary, seed);
        File.Move(temporary, path, overwrite: true);
    }

    [Fact]
    public async Task A_full_queue_answers_503_with_retry_after_and_the_rest_succeed()
    {
        string model = TinyOnnxModel.Write(_temporary.File("tiny.onnx"));
        await using InferenceServer server = await InferenceServer.StartAsync(
            RunningServer.Options(model) with { QueueCapacity = 1, MaxBatch = 1, MaxDelayMs = 0 }, _ => { });
        using HttpClient client = ClientOf(server);
        string body = RunningServer.InferBody(RunningServer.RandomImages(64, 1), 64).ToJsonString();

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 48).Select(_ =>
            client.PostAsync("/v2/models/tiny/infer", new StringContent(body, Encoding.UTF8, "application/json"))));

        HttpResponseMessage[] rejected = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToArray();
        Assert.NotEmpty(rejected);
        Assert.All(rejected, r => Assert.Equal("1", r.Headers.RetryAfter?.Delta?.TotalSeconds.ToString()));
        Assert.All(responses.Except(rejected), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Contains("queue is full", await rejected[0].Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/health/ready")).StatusCode);
    }

    [Fact]
    public async Task A_request_not_answered_within_the_timeout_gets_504()
    {
        string model = TinyOnnxModel.Write(_temporary.File("tiny.onnx"));
        // The batcher holds a lone first request for up to 2 s, waiting for company: far past the 100 ms timeout.
        await using InferenceServer server = await InferenceServer.StartAsync(
            RunningServer.Options(model) with { MaxBatch = 8, MaxDelayMs = 2000, RequestTimeoutMs = 100 }, _ => { });
        using HttpClient client = ClientOf(server);

        HttpResponseMessage response = await client.PostAsJsonAsync("/v2/models/tiny/infer", RunningServer.InferBody(RunningServer.RandomImages(1, 6), 1));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("did not finish within 100 ms", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_load_endpoint_swaps_in_the_new_model_file_and_a_broken_file_leaves_the_old_one_serving()
    {
        string model = TinyOnnxModel.Write(_temporary.File("tiny.onnx"), seed: 7);
        await using InferenceServer server = await InferenceServer.StartAsync(RunningServer.Options(model), _ => { });
        using HttpClient client = ClientOf(server);
        float[] pixels = RunningServer.RandomImages(1, 2);
        Assert.Equal(Direct(model, pixels), await Infer(client, pixels));

        Replace(model, seed: 8);
        float[] expected = Direct(model, pixels);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v2/repository/models/tiny/load", null)).StatusCode);
        Assert.Equal(expected, await Infer(client, pixels));

        File.WriteAllText(model, "not a model");
        HttpResponseMessage broken = await client.PostAsync("/v2/repository/models/tiny/load", null);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("still serving the previous one", await broken.Content.ReadAsStringAsync());
        Assert.Equal(expected, await Infer(client, pixels));
    }

    [Fact]
    public async Task An_int8_export_is_served_unchanged_and_answers_as_onnx_runtime_runs_it()
    {
        string model = TinyOnnxModel.Write(_temporary.File("tiny.onnx"), seed: 7, int8: true);
        await using InferenceServer server = await InferenceServer.StartAsync(RunningServer.Options(model), _ => { });
        using HttpClient client = ClientOf(server);
        float[] pixels = RunningServer.RandomImages(2, 5);

        Assert.Equal(Direct(model, pixels, 2), await Infer(client, pixels, 2));
        Assert.Contains(Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(model)).Graph.Node, n => n.OpType == "MatMulInteger");
    }

    [Fact]
    public async Task With_watch_a_changed_model_file_is_reloaded()
    {
        string model = TinyOnnxModel.Write(_temporary.File("tiny.onnx"), seed: 7);
        var log = new List<string>();
        await using InferenceServer server = await InferenceServer.StartAsync(RunningServer.Options(model) with { Watch = true }, line => { lock (log) log.Add(line); });
        using HttpClient client = ClientOf(server);
        float[] pixels = RunningServer.RandomImages(1, 3);

        Replace(model, seed: 9);
        float[] expected = Direct(model, pixels);
        var clock = Stopwatch.StartNew();
        while (!(await Infer(client, pixels)).SequenceEqual(expected) && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(100);

        Assert.Equal(expected, await Infer(client, pixels));
        lock (log) Assert.Contains(log, line => line.StartsWith("reloaded 'tiny'"));
    }

    [Fact]
    public async Task A_retired_version_serves_its_leases_to_the_end_and_stops_only_after_the_last_one()
    {
        string a = TinyOnnxModel.Write(_temporary.File("a.onnx"), seed: 7);
        float[] pixels = RunningServer.RandomImages(1, 4);
        ModelSession session = ModelSession.Open(a, DeviceKind.Cpu, 0, _ => { });
        var settings = ModelSettings.Of(new ModelConfig { MaxBatchSize = 4, DynamicBatching = new ModelDynamicBatching() }, "tiny", new ServeOptions(), "test");
        var version = new ServedVersion("tiny", 1, [session], new DynamicBatcher([session], new HostMetrics(), ["tiny", "1"], settings, 8), settings);

        ServedVersion.Lease inFlight = version.TryAcquire()!;
        Task stopped = version.Retire();

        Assert.Null(version.TryAcquire());
        Assert.False(stopped.IsCompleted);
        Assert.Equal(Direct(a, pixels), (await inFlight.Served.Batcher.SubmitAsync(pixels, 1, CancellationToken.None)).Logits);
        inFlight.Dispose();
        await stopped.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.ThrowsAny<ObjectDisposedException>(() => session.Run(pixels, 1));
    }

    [Fact]
    public async Task On_sigterm_the_host_process_answers_the_request_in_flight_and_exits_0()
    {
        string model = TinyOnnxModel.Write(_temporary.File("tiny.onnx"));
        using Process host = StartHost("--model", model, "--urls", "http://127.0.0.1:0", "--grpc-urls", "http://127.0.0.1:0", "--device", "cpu", "--max-batch", "8", "--max-delay-ms", "1500");
        string address = await ListeningAddress(host);
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        Task<HttpResponseMessage> inFlight = client.PostAsJsonAsync("/v2/models/tiny/infer", RunningServer.InferBody(RunningServer.RandomImages(1, 5), 1));
        await Task.Delay(400);   // the batcher holds the request for up to 1.5 s, waiting for company
        Process.Start("kill", ["-TERM", host.Id.ToString()])!.WaitForExit();

        Assert.Equal(HttpStatusCode.OK, (await inFlight).StatusCode);
        Assert.True(host.WaitForExit(15_000), "the host did not exit after SIGTERM");
        Assert.Equal(0, host.ExitCode);
    }

    [Fact]
    public async Task Device_cuda_fails_at_start_with_the_reason_when_cuda_is_unusable()
    {
        string model = TinyOnnxModel.Write(_temporary.File("tiny.onnx"));
        OrtReport report = OrtEnvironment.Probe();
        using Process host = StartHost("--model", model, "--urls", "http://127.0.0.1:0", "--grpc-urls", "http://127.0.0.1:0", "--device", "cuda");

        if (report.CudaUsable)
        {
            await ListeningAddress(host);
            host.Kill();
            return;
        }
        Assert.True(host.WaitForExit(30_000));
        Assert.Equal(1, host.ExitCode);
        string error = (await host.StandardError.ReadToEndAsync()).Trim();
        Assert.StartsWith("error: load failed for model 'tiny' version 1: --device cuda: CUDA is not usable: Failed to load library", error);
        Assert.DoesNotContain('\n', error);
    }

    static Process StartHost(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cltool-host.dll"));
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    static async Task<string> ListeningAddress(Process host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await host.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            const string marker = "listening on ";
            if (line.StartsWith(marker, StringComparison.Ordinal)) return line[marker.Length..].Split(',')[0];
        }
        throw new InvalidOperationException($"the host exited before listening: {await host.StandardError.ReadToEndAsync()}");
    }
}

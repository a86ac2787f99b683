using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cltool.InferenceHost.Protocol.Grpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace Cltool.InferenceHost.Tests;

/// <summary>
/// Triton's statistics extension on a fresh server (statistics are cumulative, so no other test's traffic): requests of
/// known batch sizes over REST and gRPC, sent one after another so each runs alone, and one refused request, must give
/// exactly the counts Triton's definitions say, the same in both wire forms.
/// </summary>
public sealed class StatisticsTests : IAsyncLifetime
{
    readonly TemporaryDirectory _temporary = new();
    InferenceServer _server = null!;
    HttpClient _http = null!;
    GrpcChannel _channel = null!;
    static readonly Metadata Key = new() { { "authorization", $"Bearer {RunningServer.ApiKey}" } };

    public async Task InitializeAsync()
    {
        TinyOnnxModel.Write(_temporary.File("tiny.onnx"));
        _server = await InferenceServer.StartAsync(RunningServer.Options(_temporary.File("tiny.onnx")), _ => { });
        _http = RunningServer.ClientOf(_server);
        _channel = GrpcChannel.ForAddress(_server.GrpcAddresses.Single());
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        _http.Dispose();
        await _server.DisposeAsync();
        _temporary.Dispose();
    }

    [Fact]
    public async Task Requests_of_known_batch_sizes_over_rest_and_grpc_give_exactly_tritons_counts_and_a_refused_one_counts_as_a_failure()
    {
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
        foreach (int batch in new[] { 1, 1, 1, 4, 4 })
            (await _http.PostAsJsonAsync("/v2/models/tiny/infer", RunningServer.InferBody(RunningServer.RandomImages(batch, batch), batch))).EnsureSuccessStatusCode();
        foreach (int batch in new[] { 2, 2 })
            await client.ModelInferAsync(GrpcTests.Request(RunningServer.RandomImages(batch, 7), batch, raw: true), Key);
        JsonObject wrong = RunningServer.InferBody(RunningServer.RandomImages(1, 3), 1);
        wrong["inputs"]![0]!["shape"] = new JsonArray(2, 3, 16, 16);   // two images' shape, one image's data
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.PostAsJsonAsync("/v2/models/tiny/infer", wrong)).StatusCode);

        JsonObject rest = (await RunningServer.ReadJson(await _http.GetAsync("/v2/models/tiny/versions/1/stats")))["model_stats"]![0]!.AsObject();
        ModelStatistics grpc = (await client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "tiny" }, Key)).ModelStats.Single();

        Assert.Equal(("tiny", "1"), ((string)rest["name"]!, (string)rest["version"]!));
        Assert.Equal(3 * 1 + 2 * 4 + 2 * 2, (long)rest["inference_count"]!);   // the refused request inferred nothing
        Assert.Equal(7, (long)rest["execution_count"]!);
        JsonNode stats = rest["inference_stats"]!;
        Assert.Equal((7L, 1L, 7L, 7L, 7L, 7L), ((long)stats["success"]!["count"]!, (long)stats["fail"]!["count"]!, (long)stats["queue"]!["count"]!,
            (long)stats["compute_input"]!["count"]!, (long)stats["compute_infer"]!["count"]!, (long)stats["compute_output"]!["count"]!));
        Assert.True((long)stats["success"]!["ns"]! >= (long)stats["compute_infer"]!["ns"]! && (long)stats["compute_infer"]!["ns"]! > 0);
        Assert.Equal([(1L, 3L), (2L, 2L), (4L, 2L)], rest["batch_stats"]!.AsArray().Select(b => ((long)b!["batch_size"]!, (long)b["compute_infer"]!["count"]!)));
        Assert.InRange((long)rest["last_inference"]!, before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        Assert.Equal((15UL, 7UL, 7UL, 1UL), (grpc.InferenceCount, grpc.ExecutionCount, grpc.InferenceStats.Success.Count, grpc.InferenceStats.Fail.Count));
        Assert.Equal([(1UL, 3UL), (2UL, 2UL), (4UL, 2UL)], grpc.BatchStats.Select(b => (b.BatchSize, b.ComputeInfer.Count)));
        Assert.Equal((long)stats["queue"]!["ns"]!, (long)grpc.InferenceStats.Queue.Ns);
    }

    [Fact]
    public async Task Statistics_are_advertised_and_an_unknown_model_or_version_is_refused_as_triton_refuses_it()
    {
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
        Assert.Contains("statistics", (await RunningServer.ReadJson(await _http.GetAsync("/v2")))["extensions"]!.AsArray().Select(e => (string)e!));
        Assert.Single((await RunningServer.ReadJson(await _http.GetAsync("/v2/models/stats")))["model_stats"]!.AsArray());

        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/v2/models/nope/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/v2/models/tiny/versions/9/stats")).StatusCode);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "nope" }, Key).ResponseAsync);
        Assert.Contains("Request for unknown model: 'nope' is not found", unknown.Status.Detail);
        var version = await Assert.ThrowsAsync<RpcException>(() => client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "tiny", Version = "9" }, Key).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, version.StatusCode);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cltool.Core.Imaging;
using Cltool.Core.Models;
using Cltool.Exporter.Onnx;
using Google.Protobuf;
using Onnx;

namespace Cltool.InferenceHost.Tests;

/// <summary>
/// A fault of the host's own (here a model that cannot run a batch of two, which warm-up at batch 1 does not reveal):
/// the client gets a 500 naming only a request id, the log gets that id with the endpoint, the model and the exception.
/// </summary>
public sealed class UnexpectedErrorTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    /// <summary>pixel_values [batch, 3, 16, 16] → Reshape to [1, 768] → MatMul → logits [batch, 10]: right for one image only.</summary>
    static string WriteBatchOfOneModel(string path)
    {
        const TensorProto.Types.DataType float32 = TensorProto.Types.DataType.Float;
        var graph = new OnnxGraphBuilder("batch-of-one");
        graph.AddInput(ModelSignature.Input, float32, "batch", 3, 16, 16);
        graph.AddOutput(ModelSignature.Output, float32, "batch", 10);
        string flat = graph.AddNode("Reshape", [ModelSignature.Input, graph.AddInt64Initializer("shape", [1, 768], 2)]);
        graph.AddNode("MatMul", [flat, graph.AddInitializer("weight", new float[768 * 10], 768, 10)], ModelSignature.Output);
        var metadata = new ServingMetadata(TinyOnnxModel.Labels, Preprocessing.Native(16)).ToProperties();
        File.WriteAllBytes(path, graph.Build(metadata).ToByteArray());
        return path;
    }

    [Fact]
    public async Task A_500_names_a_request_id_whose_log_line_has_the_endpoint_the_model_and_the_exception()
    {
        var log = new List<string>();
        await using InferenceServer server = await InferenceServer.StartAsync(
            RunningServer.Options(WriteBatchOfOneModel(_temporary.File("batch-of-one.onnx"))) with { ModelName = "fragile" }, line => { lock (log) log.Add(line); });
        using var client = new HttpClient { BaseAddress = new Uri(server.Addresses.Single()) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RunningServer.ApiKey);

        using HttpResponseMessage one = await client.PostAsync("/v2/models/fragile/infer", Json(RunningServer.InferBody(RunningServer.RandomImages(1, 1), 1)));
        using HttpResponseMessage two = await client.PostAsync("/v2/models/fragile/infer", Json(RunningServer.InferBody(RunningServer.RandomImages(2, 1), 2)));
        string body = await two.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, two.StatusCode);
        string error = JsonNode.Parse(body)!["error"]!.GetValue<string>();
        var id = System.Text.RegularExpressions.Regex.Match(error, @"^internal error \(request (\S+)\); the host's log has the details\.$");
        Assert.True(id.Success, error);
        Assert.DoesNotContain("Reshape", body);   // the exception stays in the log
        string line;
        lock (log) line = Assert.Single(log, l => l.Contains(id.Groups[1].Value));
        Assert.StartsWith($"error: cltool-host: request {id.Groups[1].Value} POST /v2/models/fragile/infer (model 'fragile') failed", line);
        Assert.Contains("Reshape", line);
    }

    static StringContent Json(JsonObject body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}

using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cltool.Core;
using Cltool.Core.Errors;
using Cltool.Exporter;
using Cltool.InferenceHost.Protocol.Grpc;
using Cltool.InferenceHost.Serving;
using Grpc.Core;
using Grpc.Net.Client;

namespace Cltool.InferenceHost.Tests;

/// <summary>
/// A repository's config.pbtxt is the truth, as in Triton: parsed by protoc against model_config.proto, its batching
/// and instance groups drive each model's batcher and sessions, /config reports what is in effect, the command line
/// fills what the file leaves out, and a file the host cannot honour fails the load with its reason in the index while
/// what was serving keeps serving.
/// </summary>
public sealed class ModelConfigTests : RepositoryTestBase
{
    static ModelSettings Settings(string text, ServeOptions? options = null) =>
        ModelSettings.Of(ProtobufText.Parse<ModelConfig>(text, "m/config.pbtxt"), "m", options ?? RunningServer.Options(""), "m/config.pbtxt");

    [Fact]
    public async Task The_files_batching_and_instances_are_in_effect_and_reported_over_rest_and_grpc()
    {
        string model = Version("m", 1, seed: 1);
        Config("m", """
            name: "m"
            max_batch_size: 8
            dynamic_batching { max_queue_delay_microseconds: 500 preferred_batch_size: [ 4, 2 ] }
            instance_group [ { count: 2 kind: KIND_CPU } ]
            """);
        var log = new List<string>();
        await using InferenceServer server = await Start(ModelControlMode.None, log);
        using HttpClient client = RunningServer.ClientOf(server);
        using GrpcChannel channel = GrpcChannel.ForAddress(server.GrpcAddresses.Single());
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);

        JsonObject config = (await client.GetFromJsonAsync<JsonObject>("/v2/models/m/config"))!;
        ModelConfig overGrpc = (await grpc.ModelConfigAsync(new ModelConfigRequest { Name = "m" }, new Metadata { { "x-api-key", RunningServer.ApiKey } })).Config;

        Assert.Equal(8, config["max_batch_size"]!.GetValue<int>());
        Assert.Equal("""{"preferred_batch_size":[2,4],"max_queue_delay_microseconds":500}""", config["dynamic_batching"]!.ToJsonString());
        Assert.Equal("""[{"name":"m_0","kind":"KIND_CPU","count":2,"gpus":[]}]""", config["instance_group"]!.ToJsonString());
        Assert.Equal((8, 500ul, "2,4", 2), (overGrpc.MaxBatchSize, overGrpc.DynamicBatching.MaxQueueDelayMicroseconds, string.Join(',', overGrpc.DynamicBatching.PreferredBatchSize), overGrpc.InstanceGroup.Single().Count));
        lock (log) Assert.Contains(log, line => line.Contains("on 2 × CPUExecutionProvider; batches up to 8, queue delay 500 µs", StringComparison.Ordinal));
        float[] pixels = RunningServer.RandomImages(1, 31);
        JsonObject answer = await RunningServer.ReadJson(await client.PostAsJsonAsync("/v2/models/m/infer", RunningServer.InferBody(pixels, 1)));
        Assert.Equal(RunningServer.Direct(model, pixels), answer["outputs"]![0]!["data"]!.AsArray().Select(v => v!.GetValue<float>()));
    }

    [Fact]
    public async Task The_exporters_config_is_honoured_and_the_command_line_fills_what_a_file_leaves_out()
    {
        Version("exported", 1, seed: 1);
        var exported = new TritonRepository.Model("exported", TinyOnnxModel.Config.Channels, TinyOnnxModel.Config.ImageSize, TinyOnnxModel.Labels, MaxBatchSize: 12, MaxQueueDelayMicroseconds: 500);
        Config("exported", TritonRepository.Config(exported));
        Version("silent", 1, seed: 2);
        Config("silent", "name: \"silent\"\n");
        await using InferenceServer server = await Start(ModelControlMode.None);
        using HttpClient client = RunningServer.ClientOf(server);

        JsonObject fromExporter = (await client.GetFromJsonAsync<JsonObject>("/v2/models/exported/config"))!;
        JsonObject fromCommandLine = (await client.GetFromJsonAsync<JsonObject>("/v2/models/silent/config"))!;

        Assert.Equal((12, 500), (fromExporter["max_batch_size"]!.GetValue<int>(), fromExporter["dynamic_batching"]!["max_queue_delay_microseconds"]!.GetValue<int>()));
        Assert.Equal("KIND_AUTO", fromExporter["instance_group"]![0]!["kind"]!.GetValue<string>());
        Assert.Equal((16, 5000), (fromCommandLine["max_batch_size"]!.GetValue<int>(), fromCommandLine["dynamic_batching"]!["max_queue_delay_microseconds"]!.GetValue<int>()));
    }

    [Theory]
    [InlineData(new int[0], new[] { "6" })]
    [InlineData(new[] { 2, 4 }, new[] { "2", "4" })]
    public async Task Preferred_batch_sizes_cut_batches_as_tritons_dynamic_batcher_does(int[] preferred, string[] batchSizes)
    {
        string path = TinyOnnxModel.Write(Temporary.File("m.onnx"), seed: 3);
        using ModelSession session = ModelSession.Open(path, DeviceKind.Cpu, 0, _ => { });
        var settings = ModelSettings.Of(new ModelConfig
        {
            MaxBatchSize = 6,
            DynamicBatching = new ModelDynamicBatching { MaxQueueDelayMicroseconds = 30_000_000, PreferredBatchSize = { preferred } },
        }, "m", new ServeOptions(), "test");
        await using var batcher = new DynamicBatcher([session], new HostMetrics(), ["m", "1"], settings, 16);

        // Requests of 1, 1, 3 and 1 images in one burst (the delay is far longer than the burst). Without preferred sizes
        // they fill one batch of the max, 6; with [2, 4] the first batch stops at 5 images (past the largest preferred size)
        // and is cut back to the preferred 2, and the held request of 3 starts the next batch, which the last request
        // brings to the preferred 4.
        int[] counts = [1, 1, 3, 1];
        Task<InferenceResult>[] answers = counts.Select((count, i) => batcher.SubmitAsync(RunningServer.RandomImages(count, 40 + i), count, CancellationToken.None)).ToArray();
        InferenceResult[] results = await Task.WhenAll(answers);

        Assert.Equal(counts, results.Select(r => r.Count));
        Assert.Equal(batchSizes, batcher.Statistics.Read().Batches.Select(b => $"{b.Size}"));
        for (int i = 0; i < counts.Length; i++)
        {
            float[] direct = RunningServer.Direct(path, RunningServer.RandomImages(counts[i], 40 + i), counts[i]);
            Assert.True(direct.Zip(results[i].Logits).Max(p => Math.Abs(p.First - p.Second)) <= 1e-5f);
        }
    }

    [Fact]
    public async Task Two_instances_share_one_queue_and_answer_every_request_of_a_burst_with_its_own_rows()
    {
        string path = TinyOnnxModel.Write(Temporary.File("m.onnx"), seed: 4);
        ModelSession[] instances = [ModelSession.Open(path, DeviceKind.Cpu, 1, _ => { }), ModelSession.Open(path, DeviceKind.Cpu, 1, _ => { })];
        var settings = ModelSettings.Of(new ModelConfig
        {
            MaxBatchSize = 4,
            DynamicBatching = new ModelDynamicBatching { MaxQueueDelayMicroseconds = 2000, PreferredBatchSize = { 2 } },
        }, "m", new ServeOptions(), "test");
        await using (var batcher = new DynamicBatcher(instances, new HostMetrics(), ["m", "1"], settings, 256))
        {
            int[] counts = Enumerable.Range(0, 60).Select(i => 1 + i % 3).ToArray();
            InferenceResult[] results = await Task.WhenAll(counts.Select((count, i) =>
                Task.Run(() => batcher.SubmitAsync(RunningServer.RandomImages(count, 100 + i), count, CancellationToken.None)))).WaitAsync(TimeSpan.FromMinutes(2));

            Assert.Equal(counts.Sum(), batcher.Statistics.Read().InferenceCount);
            for (int i = 0; i < counts.Length; i++)
            {
                float[] direct = RunningServer.Direct(path, RunningServer.RandomImages(counts[i], 100 + i), counts[i]);
                Assert.True(direct.Zip(results[i].Logits).Max(p => Math.Abs(p.First - p.Second)) <= 1e-5f, $"request {i}");
            }
        }
        foreach (ModelSession instance in instances) instance.Dispose();
    }

    [Fact]
    public void Files_the_host_cannot_honour_are_one_error_naming_the_field()
    {
        static string Refused(string text, ServeOptions? options = null) => Assert.Throws<CltoolException>(() => Settings(text, options)).Message;

        Assert.Equal("m/config.pbtxt: line 2, column 14: Message type \"inference.ModelConfig\" has no field named \"optimization\".",
            Refused("name: \"m\"\noptimization { graph { level: 1 } }"));
        Assert.Equal("m/config.pbtxt: line 1, column 25: Expected integer, got: many", Refused("instance_group [{count: many}]"));
        Assert.Equal("m/config.pbtxt: name 'other' is not the model's folder name 'm'.", Refused("name: \"other\""));
        Assert.Equal("m/config.pbtxt: platform 'tensorrt_plan' is not one this host runs (it serves onnxruntime_onnx).", Refused("platform: \"tensorrt_plan\""));
        Assert.Equal("m/config.pbtxt: max_batch_size must be 0 (the host's --max-batch) or more, got -1.", Refused("max_batch_size: -1"));
        Assert.Equal("m/config.pbtxt: dynamic batching preferred size 32 must be between 1 and the max batch size 8.",
            Refused("max_batch_size: 8 dynamic_batching { preferred_batch_size: [4, 32] }"));
        Assert.Equal("m/config.pbtxt: instance_group kind KIND_GPU, but the host runs with --device cpu.", Refused("instance_group [{kind: KIND_GPU}]"));
        Assert.StartsWith("m/config.pbtxt: instance_group kind KIND_MODEL leaves placement to the backend", Refused("instance_group [{kind: KIND_MODEL}]"));
        Assert.Equal("m/config.pbtxt: instance_group gpus [1]: this host uses GPU 0 only.", Refused("instance_group [{kind: KIND_AUTO gpus: [1]}]", new ServeOptions()));
        Assert.Equal("m/config.pbtxt: instance_group count must be positive, got -2.", Refused("instance_group [{count: -2}]"));
    }

    [Fact]
    public void Unset_counts_follow_tritons_onnx_runtime_backend_and_an_empty_file_is_the_command_line()
    {
        ModelSettings cpu = Settings("instance_group [{kind: KIND_CPU}, {kind: KIND_AUTO}]");
        ModelSettings empty = Settings("");

        Assert.Equal([2, 1], cpu.InstanceGroups.Select(g => g.Count));
        Assert.Equal((16, 5000L, 0, 1), (empty.MaxBatch, empty.MaxQueueDelayMicroseconds, empty.PreferredBatchSizes.Count, empty.InstanceGroups.Single().Count));
        Assert.Equal(VersionPolicy.Default, empty.Policy);
    }

    [Fact]
    public async Task A_config_the_host_cannot_honour_fails_its_load_with_the_reason_in_the_index_while_the_old_load_keeps_serving_until_it_is_fixed()
    {
        string v1 = Version("m", 1, seed: 1);
        Config("m", "max_batch_size: 8\n");
        Version("never", 1, seed: 2);
        Config("never", "instance_group [{kind: KIND_GPU}]\n");
        var log = new List<string>();
        await using InferenceServer server = await Start(ModelControlMode.Poll, log);
        using HttpClient client = RunningServer.ClientOf(server);
        float[] pixels = RunningServer.RandomImages(1, 32);

        Config("m", "max_batch_size: 8\nresponse_cache { enable: true }\n");
        var clock = Stopwatch.StartNew();
        while (!(await Index(client)).Contains("response_cache") && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(100);
        string index = await Index(client);
        JsonObject answer = await RunningServer.ReadJson(await client.PostAsJsonAsync("/v2/models/m/infer", RunningServer.InferBody(pixels, 1)));

        Assert.Contains("""{"name":"m","version":"1","state":"READY","reason":""", index);
        Assert.Contains("""line 2, column 16: Message type \"inference.ModelConfig\" has no field named \"response_cache\".""", index);
        Assert.Contains("""{"name":"never","state":"UNAVAILABLE","reason":""", index);
        Assert.Contains("instance_group kind KIND_GPU, but the host runs with --device cpu.", index);
        Assert.Equal(RunningServer.Direct(v1, pixels), answer["outputs"]![0]!["data"]!.AsArray().Select(v => v!.GetValue<float>()));
        lock (log) Assert.Contains(log, line => line.StartsWith("load failed for model 'm': ", StringComparison.Ordinal) && line.Contains("response_cache"));

        Config("m", "max_batch_size: 4\n");   // fixed: the change reloads the version with it, and the reason goes
        while (!(await Index(client)).Contains("""{"name":"m","version":"1","state":"READY"}""") && clock.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(100);
        Assert.Equal(4, (await client.GetFromJsonAsync<JsonObject>("/v2/models/m/config"))!["max_batch_size"]!.GetValue<int>());
    }

    [Fact]
    public async Task Tensors_that_contradict_the_graph_fail_the_versions_load_naming_both_shapes()
    {
        Version("m", 1, seed: 1);
        Config("m", "input [{ name: \"pixel_values\" data_type: TYPE_FP32 dims: [3, 224, 224] }]\n");
        await using InferenceServer server = await Start(ModelControlMode.None);
        using HttpClient client = RunningServer.ClientOf(server);

        string index = await Index(client);

        Assert.Contains("""{"name":"m","version":"1","state":"UNAVAILABLE","reason":""", index);
        Assert.Contains($"dims [3, 224, 224] does not match the model's input 'pixel_values' TYPE_FP32 FORMAT_NCHW dims [{TinyOnnxModel.Config.Channels}, {TinyOnnxModel.Config.ImageSize}, {TinyOnnxModel.Config.ImageSize}]", index);
    }
}

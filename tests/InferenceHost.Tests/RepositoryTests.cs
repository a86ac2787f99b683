using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cltool.Core.Errors;
using Cltool.Exporter;
using Cltool.InferenceHost.Protocol.Grpc;
using Cltool.InferenceHost.Serving;
using Grpc.Core;
using Grpc.Net.Client;

namespace Cltool.InferenceHost.Tests;

/// <summary>
/// `--model-repository`: several models with numbered versions and version policies, Triton's repository index and
/// load/unload rules per control mode, and continual deployment: a new version written by the exporter goes live in poll
/// mode while clients keep sending, with no failed request.
/// </summary>
public sealed class RepositoryTests : RepositoryTestBase
{
    static HttpClient ClientOf(InferenceServer server) => RunningServer.ClientOf(server);

    static async Task<(string Version, float[] Logits)> Infer(HttpClient client, string path, float[] pixels)
    {
        HttpResponseMessage response = await client.PostAsJsonAsync(path, RunningServer.InferBody(pixels, 1));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonObject answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return (answer["model_version"]!.GetValue<string>(), answer["outputs"]![0]!["data"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray());
    }

    static void Answered(string version, float[] logits, (string Version, float[] Logits) answer)
    {
        Assert.Equal(version, answer.Version);
        Assert.Equal(logits, answer.Logits);
    }

    static float[] Direct(string model, float[] pixels) => RunningServer.Direct(model, pixels);

    [Fact]
    public async Task Each_model_serves_the_versions_its_policy_selects_and_requests_without_a_version_get_the_highest()
    {
        string[] a = [Version("a", 1, seed: 1), Version("a", 2, seed: 2), Version("a", 3, seed: 3)];
        Config("a", "name: \"a\"\nversion_policy: { specific: { versions: [1, 3] } }\n");
        Version("b", 1, seed: 4);
        string b2 = Version("b", 2, seed: 5);
        Directory.CreateDirectory(Path.Combine(Repository, "b", "03"));   // not a version (leading zero)
        await using InferenceServer server = await Start(ModelControlMode.None);
        using HttpClient client = ClientOf(server);
        float[] pixels = RunningServer.RandomImages(1, 21);

        Answered("3", Direct(a[2], pixels), await Infer(client, "/v2/models/a/infer", pixels));
        Answered("1", Direct(a[0], pixels), await Infer(client, "/v2/models/a/versions/1/infer", pixels));
        Answered("2", Direct(b2, pixels), await Infer(client, "/v2/models/b/infer", pixels));
        HttpResponseMessage notServed = await client.PostAsJsonAsync("/v2/models/a/versions/2/infer", RunningServer.InferBody(pixels, 1));
        Assert.Equal(HttpStatusCode.NotFound, notServed.StatusCode);
        Assert.Contains("version 2 is not found; ready versions: 3, 1", await notServed.Content.ReadAsStringAsync());
        Assert.Equal("""[{"name":"a","version":"1","state":"READY"},{"name":"a","version":"3","state":"READY"},{"name":"b","version":"2","state":"READY"}]""", await Index(client));
        JsonObject metadata = (await client.GetFromJsonAsync<JsonObject>("/v2/models/a"))!;
        Assert.Equal("""["3","1"]""", metadata["versions"]!.ToJsonString());
        JsonObject config = (await client.GetFromJsonAsync<JsonObject>("/v2/models/a/config"))!;
        Assert.Equal("""{"specific":{"versions":[1,3]}}""", config["version_policy"]!.ToJsonString());
    }

    [Fact]
    public async Task In_explicit_mode_models_load_and_unload_on_request_over_http_and_grpc()
    {
        string a = Version("a", 1, seed: 1), b = Version("b", 1, seed: 2);
        await using InferenceServer server = await Start(ModelControlMode.Explicit, null, "a");
        using HttpClient client = ClientOf(server);
        using GrpcChannel channel = GrpcChannel.ForAddress(server.GrpcAddresses.Single());
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var key = new Metadata { { "x-api-key", RunningServer.ApiKey } };
        float[] pixels = RunningServer.RandomImages(1, 22);
        Assert.Equal("""[{"name":"a","version":"1","state":"READY"},{"name":"b"}]""", await Index(client));

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v2/repository/models/b/load", null)).StatusCode);
        Answered("1", Direct(b, pixels), await Infer(client, "/v2/models/b/infer", pixels));
        await grpc.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "a" }, key);

        HttpResponseMessage unloaded = await client.PostAsJsonAsync("/v2/models/a/infer", RunningServer.InferBody(pixels, 1));
        Assert.Equal(HttpStatusCode.NotFound, unloaded.StatusCode);
        Assert.Contains("it has no available versions", await unloaded.Content.ReadAsStringAsync());
        RepositoryIndexResponse index = await grpc.RepositoryIndexAsync(new RepositoryIndexRequest(), key);
        Assert.Equal(["a 1 UNAVAILABLE unloaded", "b 1 READY "], index.Models.Select(m => $"{m.Name} {m.Version} {m.State} {m.Reason}"));
        Assert.Equal(["b"], (await grpc.RepositoryIndexAsync(new RepositoryIndexRequest { Ready = true }, key)).Models.Select(m => m.Name));
        await grpc.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "a" }, key);
        Answered("1", Direct(a, pixels), await Infer(client, "/v2/models/a/infer", pixels));
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await grpc.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "zz" }, key));
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
    }

    [Theory]
    [InlineData(ModelControlMode.None)]
    [InlineData(ModelControlMode.Poll)]
    public async Task Outside_explicit_mode_load_and_unload_are_refused_with_503(ModelControlMode mode)
    {
        Version("a", 1, seed: 1);
        await using InferenceServer server = await Start(mode);
        using HttpClient client = ClientOf(server);

        HttpResponseMessage response = await client.PostAsync("/v2/repository/models/a/unload", null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains($"not allowed in model control mode '{mode.ToString().ToLowerInvariant()}'", await response.Content.ReadAsStringAsync());
        Assert.Equal("1", (await Infer(client, "/v2/models/a/infer", RunningServer.RandomImages(1, 23))).Version);
    }

    [Fact]
    public async Task In_poll_mode_each_exported_version_goes_live_under_load_without_a_failed_request()
    {
        Version("m", 1, seed: 1);
        await using InferenceServer server = await Start(ModelControlMode.Poll);
        using HttpClient client = ClientOf(server);
        using GrpcChannel channel = GrpcChannel.ForAddress(server.GrpcAddresses.Single());
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var key = new Metadata { { "x-api-key", RunningServer.ApiKey } };
        float[] pixels = RunningServer.RandomImages(1, 24);
        using var stop = new CancellationTokenSource();
        var versionsSeen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        int failures = 0, answered = 0;

        async Task Rest()
        {
            while (!stop.IsCancellationRequested)
            {
                HttpResponseMessage response = await client.PostAsJsonAsync("/v2/models/m/infer", RunningServer.InferBody(pixels, 1));
                if (response.StatusCode != HttpStatusCode.OK) { Interlocked.Increment(ref failures); continue; }
                versionsSeen.AddOrUpdate((await response.Content.ReadFromJsonAsync<JsonObject>())!["model_version"]!.GetValue<string>(), 1, (_, n) => n + 1);
                Interlocked.Increment(ref answered);
            }
        }
        async Task Grpc()
        {
            ModelInferRequest request = GrpcTests.Request(pixels, 1, raw: true);
            request.ModelName = "m";
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    versionsSeen.AddOrUpdate((await grpc.ModelInferAsync(request, key)).ModelVersion, 1, (_, n) => n + 1);
                    Interlocked.Increment(ref answered);
                }
                catch (RpcException) { Interlocked.Increment(ref failures); }
            }
        }
        Task[] clients = [.. Enumerable.Range(0, 4).Select(_ => Rest()), .. Enumerable.Range(0, 4).Select(_ => Grpc())];

        foreach (long next in new long[] { 2, 3 })
        {
            string file = Export(next, seed: (int)next), version = next.ToString();
            var clock = Stopwatch.StartNew();
            while ((await Infer(client, "/v2/models/m/infer", pixels)).Version != version && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(100);
            Answered(version, Direct(file, pixels), await Infer(client, "/v2/models/m/infer", pixels));
        }
        await Task.Delay(300);
        stop.Cancel();
        await Task.WhenAll(clients);

        Assert.Equal(0, failures);
        Assert.True(answered > 20, $"{answered} answered");
        Assert.Contains("1", versionsSeen.Keys);
        Assert.Contains("3", versionsSeen.Keys);
        Assert.Equal("""[{"name":"m","version":"1","state":"UNAVAILABLE","reason":"not selected by the version policy"},{"name":"m","version":"2","state":"UNAVAILABLE","reason":"not selected by the version policy"},{"name":"m","version":"3","state":"READY"}]""", await Index(client));
    }

    /// <summary>The next version as `cltool export --triton` writes it (staged, renamed into place).</summary>
    string Export(long expected, int seed)
    {
        string model = TinyOnnxModel.Write(Temporary.File($"export-{seed}.onnx"), seed);
        var spec = new TritonRepository.Model("m", 3, 16, TinyOnnxModel.Labels, 16, 500);
        TritonRepository.Written written = TritonRepository.Write(Repository, spec, model, null);
        Assert.Equal(expected, written.Version);
        return Path.Combine(written.Directory, expected.ToString(), "model.onnx");
    }

    [Fact]
    public async Task A_broken_new_version_leaves_the_served_one_and_the_index_says_why()
    {
        string v1 = Version("m", 1, seed: 1);
        var log = new List<string>();
        await using InferenceServer server = await Start(ModelControlMode.Poll, log);
        using HttpClient client = ClientOf(server);
        float[] pixels = RunningServer.RandomImages(1, 25);

        Directory.CreateDirectory(Path.Combine(Repository, "m", "2"));
        File.WriteAllText(Path.Combine(Repository, "m", "2", "model.onnx"), "not a model");
        var clock = Stopwatch.StartNew();
        while (!(await Index(client)).Contains("\"version\":\"2\"") && clock.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(100);

        Answered("1", Direct(v1, pixels), await Infer(client, "/v2/models/m/infer", pixels));
        Assert.Contains("{\"name\":\"m\",\"version\":\"2\",\"state\":\"UNAVAILABLE\",\"reason\":\"'", await Index(client));
        lock (log) Assert.Contains(log, line => line.StartsWith("load failed for model 'm' version 2: ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("version_policy: { latest: { num_versions: 2 } }", "Latest { Count = 2 }")]
    [InlineData("version_policy { all { } }", "All { }")]
    [InlineData("version_policy: { specific: { versions: 1 versions: 3 } }", "1,3")]
    [InlineData("name: \"m\"", "Latest { Count = 1 }")]
    public void Version_policies_read_from_config_pbtxt(string config, string expected)
    {
        VersionPolicy policy = VersionPolicy.Of(ProtobufText.Parse<ModelConfig>(config, "config.pbtxt").VersionPolicy, "config.pbtxt");

        Assert.Equal(expected, policy is VersionPolicy.Specific specific ? string.Join(',', specific.Versions) : policy.ToString());
        Assert.Equal(expected == "All { }" ? [5, 3, 1] : expected == "1,3" ? [3, 1] : expected.Contains('2') ? [5, 3] : [5L], policy.Select([1, 3, 5]));
    }

    [Fact]
    public void An_unreadable_version_policy_is_one_error_naming_the_file_and_the_forms()
    {
        ModelConfig config = ProtobufText.Parse<ModelConfig>("version_policy: { latest: { num_versions: 0 } }", "m/config.pbtxt");

        var error = Assert.Throws<CltoolException>(() => VersionPolicy.Of(config.VersionPolicy, "m/config.pbtxt"));

        Assert.Equal("m/config.pbtxt: version_policy must be latest { num_versions: N } (N >= 1), all { } or specific { versions: [1, 3] } (positive versions).", error.Message);
    }

    [Fact]
    public void Repository_options_name_their_first_problem()
    {
        Directory.CreateDirectory(Repository);
        var repository = new ServeOptions { RepositoryPath = Repository };

        Assert.Equal("give either --model FILE or --model-repository DIR.", (repository with { ModelPath = "m.onnx" }).Problem());
        Assert.Equal("--model-repository: folder 'nope' does not exist.", new ServeOptions { RepositoryPath = "nope" }.Problem());
        Assert.Equal("--load-model goes with --model-control-mode explicit (the other modes load every model).", (repository with { LoadModels = ["a"] }).Problem());
        Assert.StartsWith("--watch and --name go with --model", (repository with { Watch = true }).Problem());
        Assert.Equal("--grpc-urls: expected http://HOST:PORT (HOST an IP address, localhost or *), got 'grpc://x'", (repository with { GrpcUrls = "grpc://x" }).Problem());
        Assert.Null((repository with { ControlMode = ModelControlMode.Poll }).Problem());
    }
}

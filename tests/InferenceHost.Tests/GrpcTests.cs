using System.Runtime.InteropServices;
using Cltool.InferenceHost.Protocol.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Cltool.InferenceHost.Tests;

/// <summary>
/// KServe v2 / Triton gRPC against the real host (Kestrel's HTTP/2 port, the same batcher and model): answers equal ONNX
/// Runtime run directly, raw and typed tensors as the protocol says, classification, configuration, and every refusal
/// with Triton's status code while the server stays healthy.
/// </summary>
public sealed class GrpcTests(RunningServer host) : IClassFixture<RunningServer>, IDisposable
{
    readonly GrpcChannel _channel = GrpcChannel.ForAddress(host.Server.GrpcAddresses.Single());
    GRPCInferenceService.GRPCInferenceServiceClient Client => new(_channel);
    static readonly Metadata Key = new() { { "authorization", $"Bearer {RunningServer.ApiKey}" } };

    public void Dispose() => _channel.Dispose();

    [Fact]
    public async Task Liveness_and_readiness_need_no_key_and_metadata_follows_the_protocol()
    {
        Assert.True((await Client.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await Client.ServerReadyAsync(new ServerReadyRequest())).Ready);
        Assert.True((await Client.ModelReadyAsync(new ModelReadyRequest { Name = "tiny" }, Key)).Ready);
        ServerMetadataResponse server = await Client.ServerMetadataAsync(new ServerMetadataRequest(), Key);
        ModelMetadataResponse model = await Client.ModelMetadataAsync(new ModelMetadataRequest { Name = "tiny" }, Key);

        Assert.Equal("cltool-host", server.Name);
        Assert.Contains("binary_tensor_data", server.Extensions);
        Assert.Equal(["1"], model.Versions);
        Assert.Equal([-1L, 3, 16, 16], model.Inputs.Single().Shape);
        Assert.Equal("FP32", model.Inputs.Single().Datatype);
        Assert.Equal([-1L, 10], model.Outputs.Single().Shape);
    }

    [Fact]
    public async Task Grpc_health_answers_for_the_server_and_each_model_without_a_key_and_not_found_for_anything_else()
    {
        var health = new Health.HealthClient(_channel);
        foreach (string service in new[] { "", "inference.GRPCInferenceService", "tiny" })
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = service })).Status);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => health.CheckAsync(new HealthCheckRequest { Service = "nope" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        using AsyncServerStreamingCall<HealthCheckResponse> watch = health.Watch(new HealthCheckRequest { Service = "nope" });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.ServiceUnknown, watch.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task A_health_watch_sees_serving_then_not_serving_when_the_host_drains_and_does_not_hold_the_drain_up()
    {
        using var temporary = new TemporaryDirectory();
        TinyOnnxModel.Write(temporary.File("tiny.onnx"));
        InferenceServer server = await InferenceServer.StartAsync(RunningServer.Options(temporary.File("tiny.onnx")), _ => { });
        using var channel = GrpcChannel.ForAddress(server.GrpcAddresses.Single());
        using AsyncServerStreamingCall<HealthCheckResponse> watch = new Health.HealthClient(channel).Watch(new HealthCheckRequest { Service = "tiny" });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);

        Task drained = server.DisposeAsync().AsTask();

        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, watch.ResponseStream.Current.Status);
        Assert.False(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Same(drained, await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(25))));   // far below the 30 s drain limit
    }

    static Method<byte[], byte[]> Raw(string service, string name) =>
        new(MethodType.Unary, service, name, Marshallers.Create(bytes => bytes, bytes => bytes), Marshallers.Create(bytes => bytes, bytes => bytes));

    [Fact]
    public async Task A_request_that_does_not_parse_is_invalid_argument_naming_the_message_on_every_method_with_one_log_line_and_no_stack_trace()
    {
        byte[] garbage = [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01];   // field 1 claiming a length past the end
        int logged = host.Log.Count;
        string[] methods = [.. GRPCInferenceService.Descriptor.Methods.Select(m => m.Name)];

        foreach (string name in methods)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() =>
                _channel.CreateCallInvoker().AsyncUnaryCall(Raw("inference.GRPCInferenceService", name), null, new CallOptions(Key), garbage).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Matches($"the {name}Request does not parse as protobuf: ", error.Status.Detail);
        }
        var health = await Assert.ThrowsAsync<RpcException>(() =>
            _channel.CreateCallInvoker().AsyncUnaryCall(Raw("grpc.health.v1.Health", "Check"), null, new CallOptions(), garbage).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, health.StatusCode);

        string[] lines = [.. host.Log.Skip(logged)];
        Assert.Equal(methods.Length + 1, lines.Count(line => line.Contains("does not parse as protobuf", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, line => line.Contains("   at ", StringComparison.Ordinal) || line.Contains('\n'));
    }

    /// <summary>The measurement of issue 30 as a test: byte-mutated ModelInferRequests are answered with the client's status, never UNKNOWN or INTERNAL.</summary>
    [Fact]
    public async Task Byte_mutated_infer_requests_are_never_unknown_or_internal()
    {
        byte[] valid = Request(RunningServer.RandomImages(1, 5), 1, raw: true).ToByteArray();
        var random = new Random(30);
        var codes = new Dictionary<StatusCode, int>();
        for (int i = 0; i < 300; i++)
        {
            byte[] mutated = [.. valid];
            for (int flips = random.Next(1, 4); flips > 0; flips--) mutated[random.Next(Math.Min(mutated.Length, 200))] = (byte)random.Next(256);
            if (random.Next(4) == 0) mutated = mutated[..random.Next(mutated.Length)];
            StatusCode code;
            try
            {
                await _channel.CreateCallInvoker().AsyncUnaryCall(Raw("inference.GRPCInferenceService", "ModelInfer"), null, new CallOptions(Key), mutated).ResponseAsync;
                code = StatusCode.OK;
            }
            catch (RpcException error) { code = error.StatusCode; }
            codes[code] = codes.GetValueOrDefault(code) + 1;
        }
        Assert.True(!codes.ContainsKey(StatusCode.Unknown) && !codes.ContainsKey(StatusCode.Internal), string.Join(", ", codes.Select(c => $"{c.Key}: {c.Value}")));
        Assert.True(codes.GetValueOrDefault(StatusCode.InvalidArgument) > 100, string.Join(", ", codes.Select(c => $"{c.Key}: {c.Value}")));
    }

    [Fact]
    public async Task The_model_configuration_is_what_triton_clients_read()
    {
        ModelConfig config = (await Client.ModelConfigAsync(new ModelConfigRequest { Name = "tiny" }, Key)).Config;

        Assert.Equal("onnxruntime_onnx", config.Platform);
        Assert.Equal(16, config.MaxBatchSize);
        Assert.Equal(ModelInput.Types.Format.Nchw, config.Input.Single().Format);
        Assert.Equal([3L, 16, 16], config.Input.Single().Dims);
        Assert.Equal([10L], config.Output.Single().Dims);
        Assert.Equal(1u, config.VersionPolicy.Latest.NumVersions);
    }

    [Fact]
    public async Task Raw_input_gets_raw_output_equal_to_onnx_runtime_run_directly()
    {
        float[] pixels = RunningServer.RandomImages(3, seed: 11);

        ModelInferResponse response = await Client.ModelInferAsync(Request(pixels, 3, raw: true), Key);

        Assert.Equal("tiny", response.ModelName);
        Assert.Equal("1", response.ModelVersion);
        Assert.Equal("grpc-1", response.Id);
        Assert.Equal([3L, 10], response.Outputs.Single().Shape);
        Assert.Null(response.Outputs.Single().Contents);
        Assert.Equal(host.Direct(pixels, 3), MemoryMarshal.Cast<byte, float>(response.RawOutputContents.Single().Span).ToArray());
    }

    [Fact]
    public async Task Typed_input_gets_typed_output_equal_to_onnx_runtime_run_directly()
    {
        float[] pixels = RunningServer.RandomImages(2, seed: 12);

        ModelInferResponse response = await Client.ModelInferAsync(Request(pixels, 2, raw: false), Key);

        Assert.Empty(response.RawOutputContents);
        Assert.Equal(host.Direct(pixels, 2), response.Outputs.Single().Contents.Fp32Contents.ToArray());
    }

    [Fact]
    public async Task Classification_answers_top_k_strings_in_the_raw_bytes_layout()
    {
        float[] pixels = RunningServer.RandomImages(2, seed: 13);
        ModelInferRequest request = Request(pixels, 2, raw: true);
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor
        {
            Name = "logits",
            Parameters = { ["classification"] = new InferParameter { Int64Param = 3 } },
        });

        ModelInferResponse response = await Client.ModelInferAsync(request, Key);

        Assert.Equal("BYTES", response.Outputs.Single().Datatype);
        Assert.Equal([2L, 3], response.Outputs.Single().Shape);
        string[] elements = Elements(response.RawOutputContents.Single().ToByteArray());
        float[] logits = host.Direct(pixels, 2);
        int best = Array.IndexOf(logits[..10], logits[..10].Max());
        Assert.Equal(6, elements.Length);
        Assert.Equal($"{best}:{TinyOnnxModel.Labels[best]}", string.Join(':', elements[0].Split(':')[1..]));
    }

    public static TheoryData<string, StatusCode, string> BadCalls => new()
    {
        { "raw-and-typed", StatusCode.InvalidArgument, "contents field must not be specified when using raw_input_contents" },
        { "no-data", StatusCode.InvalidArgument, "unable to find data for input tensor 'pixel_values'" },
        { "wrong-raw-byte-count", StatusCode.InvalidArgument, "has 3068 bytes of binary data; its shape needs 768 FP32 values = 3072 bytes" },
        { "wrong-shape", StatusCode.InvalidArgument, "expected [N, 3, 16, 16]" },
        { "two-inputs", StatusCode.InvalidArgument, "the request has 2 inputs" },
        { "unknown-model", StatusCode.InvalidArgument, "Request for unknown model: 'other' is not found" },
        { "unknown-version", StatusCode.NotFound, "version 7 is not found" },
        { "bad-version", StatusCode.InvalidArgument, "model version must be a positive integer, got 'latest'" },
        { "missing-api-key", StatusCode.Unauthenticated, "an API key is required" },
        { "wrong-api-key", StatusCode.Unauthenticated, "the API key is wrong" },
        { "message-over-limit", StatusCode.ResourceExhausted, "" },
    };

    [Theory]
    [MemberData(nameof(BadCalls))]
    public async Task A_bad_call_gets_tritons_status_code_and_the_server_stays_healthy(string kind, StatusCode code, string message)
    {
        (ModelInferRequest request, Metadata metadata) = Bad(kind);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client.ModelInferAsync(request, metadata));

        Assert.Equal(code, error.StatusCode);
        Assert.Contains(message, error.Status.Detail);
        float[] pixels = RunningServer.RandomImages(1, seed: 14);
        ModelInferResponse after = await Client.ModelInferAsync(Request(pixels, 1, raw: true), Key);
        Assert.Equal(host.Direct(pixels, 1), MemoryMarshal.Cast<byte, float>(after.RawOutputContents.Single().Span).ToArray());
    }

    static (ModelInferRequest, Metadata) Bad(string kind)
    {
        ModelInferRequest request = Request(RunningServer.RandomImages(1, seed: 15), 1, raw: true);
        switch (kind)
        {
            case "raw-and-typed": request.Inputs[0].Contents = new InferTensorContents { Fp32Contents = { 1f } }; break;
            case "no-data": request.RawInputContents.Clear(); break;
            case "wrong-raw-byte-count": request.RawInputContents[0] = ByteString.CopyFrom(request.RawInputContents[0].Span[..^4]); break;
            case "wrong-shape": request.Inputs[0].Shape[2] = 28; break;
            case "two-inputs": request.Inputs.Add(request.Inputs[0].Clone()); break;
            case "unknown-model": request.ModelName = "other"; break;
            case "unknown-version": request.ModelVersion = "7"; break;
            case "bad-version": request.ModelVersion = "latest"; break;
            case "missing-api-key": return (request, []);
            case "wrong-api-key": return (request, new Metadata { { "x-api-key", "not-the-key" } });
            case "message-over-limit": request.RawInputContents.Add(ByteString.CopyFrom(new byte[RunningServer.MaxBodyBytes + 1])); break;
            default: throw new ArgumentException(kind);
        }
        return (request, Key);
    }

    [Fact]
    public async Task Grpc_requests_count_in_the_same_metrics_as_rest()
    {
        double Count(string text) => text.Split('\n').Where(line => line.StartsWith("nv_inference_request_success{model=\"tiny\"", StringComparison.Ordinal))
            .Sum(line => double.Parse(line.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture));
        double before = Count(await host.Client.GetStringAsync("/metrics"));

        await Client.ModelInferAsync(Request(RunningServer.RandomImages(1, seed: 16), 1, raw: true), Key);

        Assert.True(Count(await host.Client.GetStringAsync("/metrics")) >= before + 1);
    }

    public static ModelInferRequest Request(float[] pixels, int count, bool raw)
    {
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "pixel_values", Datatype = "FP32", Shape = { count, 3, 16, 16 } };
        var request = new ModelInferRequest { ModelName = "tiny", Id = "grpc-1", Inputs = { input } };
        if (raw) request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(pixels.AsSpan())));
        else input.Contents = new InferTensorContents { Fp32Contents = { pixels } };
        return request;
    }

    /// <summary>BYTES elements from the raw layout: a 4-byte little-endian length, then the bytes, repeated.</summary>
    static string[] Elements(byte[] raw)
    {
        var elements = new List<string>();
        for (int at = 0; at < raw.Length;)
        {
            int length = BitConverter.ToInt32(raw, at);
            elements.Add(System.Text.Encoding.UTF8.GetString(raw, at + 4, length));
            at += 4 + length;
        }
        return elements.ToArray();
    }
}

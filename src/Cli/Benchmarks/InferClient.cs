using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Cltool.Core.Errors;
using Cltool.Core.Models;
using Cltool.InferenceHost.Protocol;
using Cltool.InferenceHost.Protocol.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Cltool.Cli.Benchmarks;

/// <summary>
/// A client that sends the same one-image infer request again and again over one wire format, the way Triton's and
/// KServe's clients send it (JSON, or a JSON header plus raw FP32 bytes, or gRPC raw_input_contents). The image shape
/// comes from the served model's metadata.
/// </summary>
public sealed class InferClient : IDisposable
{
    readonly HttpClient _http;
    readonly GrpcChannel? _channel;
    readonly WireProtocol _protocol;
    readonly string _path;
    readonly byte[] _body;
    readonly int _headerLength;
    readonly ModelInferRequest? _grpcRequest;
    readonly Metadata _metadata = [];
    readonly GRPCInferenceService.GRPCInferenceServiceClient? _grpc;

    InferClient(HttpClient http, GrpcChannel? channel, WireProtocol protocol, string model, float[] pixels, int[] shape, string? apiKey)
    {
        (_http, _channel, _protocol, _path) = (http, channel, protocol, $"/v2/models/{model}/infer");
        if (apiKey is not null) _metadata.Add("authorization", $"Bearer {apiKey}");
        string shapeJson = string.Join(",", shape);
        switch (protocol)
        {
            case WireProtocol.Json:
                string data = string.Join(",", pixels.Select(v => v.ToString("G9", CultureInfo.InvariantCulture)));
                _body = Encoding.UTF8.GetBytes($"{{\"inputs\":[{{\"name\":\"{ModelSignature.Input}\",\"shape\":[{shapeJson}],\"datatype\":\"FP32\",\"data\":[{data}]}}]}}");
                break;
            case WireProtocol.Binary:
                byte[] header = Encoding.UTF8.GetBytes($"{{\"inputs\":[{{\"name\":\"{ModelSignature.Input}\",\"shape\":[{shapeJson}],\"datatype\":\"FP32\"," +
                    $"\"parameters\":{{\"binary_data_size\":{pixels.Length * 4}}}}}],\"outputs\":[{{\"name\":\"{ModelSignature.Output}\",\"parameters\":{{\"binary_data\":true}}}}]}}");
                _body = [.. header, .. BinaryTensors.Bytes(pixels)];
                _headerLength = header.Length;
                break;
            default:
                _body = [];
                _grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel!);
                _grpcRequest = new ModelInferRequest
                {
                    ModelName = model,
                    Inputs = { new ModelInferRequest.Types.InferInputTensor { Name = ModelSignature.Input, Datatype = "FP32", Shape = { shape.Select(d => (long)d) } } },
                    RawInputContents = { ByteString.CopyFrom(BinaryTensors.Bytes(pixels)) },
                };
                break;
        }
    }

    /// <summary>Connects to the host, reads the model's input shape, and prepares the request body of one seeded random image.</summary>
    public static async Task<InferClient> CreateAsync(string httpUrl, string? grpcUrl, string model, WireProtocol protocol, string? apiKey, int seed = 1993)
    {
        if (protocol == WireProtocol.Grpc && grpcUrl is null) throw new CltoolException("the gRPC protocol needs the host's gRPC address (--grpc-url).");
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = new Uri(httpUrl) };
        if (apiKey is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        int[] shape = await InputShapeAsync(http, model);
        var random = new Random(seed);
        float[] pixels = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        GrpcChannel? channel = protocol == WireProtocol.Grpc
            ? GrpcChannel.ForAddress(grpcUrl!, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
                MaxReceiveMessageSize = null,
            })
            : null;
        return new InferClient(http, channel, protocol, model, pixels, shape, apiKey);
    }

    /// <summary>[1, C, H, W] of the served model, from its KServe v2 metadata.</summary>
    static async Task<int[]> InputShapeAsync(HttpClient http, string model)
    {
        using HttpResponseMessage response = await http.GetAsync($"/v2/models/{model}");
        if (!response.IsSuccessStatusCode)
            throw new CltoolException($"the host at {http.BaseAddress} answered {(int)response.StatusCode} to the metadata of model '{model}': {CltoolException.OneLine(await response.Content.ReadAsStringAsync())}");
        JsonNode? shape = (await response.Content.ReadFromJsonAsync<JsonObject>())?["inputs"]?[0]?["shape"];
        int[] dims = shape?.AsArray().Select(d => (int)d!.GetValue<long>()).ToArray() ?? [];
        return dims.Length == 4 ? [1, dims[1], dims[2], dims[3]] : throw new CltoolException($"model '{model}' has no [N, C, H, W] input in its metadata.");
    }

    public HttpClient Http => _http;

    public async Task<InferOutcome> SendAsync(CancellationToken cancellation)
    {
        if (_protocol == WireProtocol.Grpc) return await SendGrpcAsync(cancellation);
        using var content = new ByteArrayContent(_body);
        if (_protocol == WireProtocol.Binary) content.Headers.Add(BinaryTensors.HeaderLengthHeader, _headerLength.ToString());
        else content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using HttpResponseMessage response = await _http.PostAsync(_path, content, cancellation);
        byte[] answer = await response.Content.ReadAsByteArrayAsync(cancellation);
        int jsonLength = response.Headers.TryGetValues(BinaryTensors.HeaderLengthHeader, out var values) && int.TryParse(values.First(), out int n) ? n : answer.Length;
        string json = Encoding.UTF8.GetString(answer, 0, jsonLength);
        if (response.StatusCode == HttpStatusCode.OK)
            return new InferOutcome(true, false, JsonNode.Parse(json)?["model_version"]?.GetValue<string>(), null);
        return new InferOutcome(false, response.StatusCode == HttpStatusCode.ServiceUnavailable, null, $"HTTP {(int)response.StatusCode}: {CltoolException.OneLine(json)}");
    }

    async Task<InferOutcome> SendGrpcAsync(CancellationToken cancellation)
    {
        try
        {
            ModelInferResponse response = await _grpc!.ModelInferAsync(_grpcRequest!, _metadata, cancellationToken: cancellation);
            return new InferOutcome(true, false, response.ModelVersion, null);
        }
        catch (RpcException error) when (!cancellation.IsCancellationRequested)
        {
            return new InferOutcome(false, error.StatusCode == StatusCode.Unavailable, null, $"gRPC {error.StatusCode}: {error.Status.Detail}");
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _channel?.Dispose();
    }
}

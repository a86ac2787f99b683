using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Cltool.InferenceHost.Tests;

/// <summary>
/// Triton's binary tensor extension against the real server, with request bodies built byte by byte here: a JSON header,
/// <c>Inference-Header-Content-Length</c>, then little-endian FP32 pixels; answers parsed the same way.
/// </summary>
public sealed class BinaryTensorTests(RunningServer host) : IClassFixture<RunningServer>
{
    public const string HeaderLength = "Inference-Header-Content-Length";

    /// <summary>An infer request whose pixels follow the JSON header as raw bytes, and the header's byte count.</summary>
    public static (byte[] Body, string HeaderLength) BinaryRequest(float[] pixels, int count, JsonObject? requestParameters = null, JsonObject? outputParameters = null,
                                       long? declaredSize = null, byte[]? raw = null)
    {
        byte[] data = raw ?? pixels.SelectMany(BitConverter.GetBytes).ToArray();
        var header = new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = "pixel_values",
                ["shape"] = new JsonArray(count, 3, 16, 16),
                ["datatype"] = "FP32",
                ["parameters"] = new JsonObject { ["binary_data_size"] = declaredSize ?? data.Length },
            }),
        };
        if (requestParameters is not null) header["parameters"] = requestParameters;
        if (outputParameters is not null) header["outputs"] = new JsonArray(new JsonObject { ["name"] = "logits", ["parameters"] = outputParameters });
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        return ([.. json, .. data], json.Length.ToString());
    }

    async Task<HttpResponseMessage> Post(byte[] body, string? headerLength)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/octet-stream");
        if (headerLength is not null) content.Headers.Add(HeaderLength, headerLength);
        return await host.Client.PostAsync("/v2/models/tiny/infer", content);
    }

    [Fact]
    public async Task Binary_pixels_in_and_binary_logits_out_equal_onnx_runtime_run_directly()
    {
        float[] pixels = RunningServer.RandomImages(3, 21);
        (byte[] body, string headerLength) = BinaryRequest(pixels, 3, requestParameters: new JsonObject { ["binary_data_output"] = true });

        using HttpResponseMessage response = await Post(body, headerLength);
        byte[] answer = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);
        int jsonLength = int.Parse(response.Headers.GetValues(HeaderLength).Single());
        JsonNode header = JsonNode.Parse(answer.AsSpan(0, jsonLength))!;
        JsonNode output = header["outputs"]![0]!;
        Assert.Equal(3 * 10 * 4, output["parameters"]!["binary_data_size"]!.GetValue<int>());
        Assert.Null(output["data"]);
        float[] logits = Enumerable.Range(0, 30).Select(i => BitConverter.ToSingle(answer, jsonLength + 4 * i)).ToArray();
        Assert.Equal(answer.Length, jsonLength + 120);
        float[] direct = host.Direct(pixels, 3);
        Assert.True(logits.Zip(direct).Max(p => Math.Abs(p.First - p.Second)) <= 1e-5);
    }

    [Fact]
    public async Task A_raw_binary_request_is_one_image_answered_in_binary()
    {
        float[] pixels = RunningServer.RandomImages(1, 25);

        using HttpResponseMessage response = await Post(pixels.SelectMany(BitConverter.GetBytes).ToArray(), "0");
        byte[] answer = await response.Content.ReadAsByteArrayAsync();
        using HttpResponseMessage wrongSize = await Post(new byte[12], "0");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        int jsonLength = int.Parse(response.Headers.GetValues(HeaderLength).Single());
        Assert.Equal("[1,10]", JsonNode.Parse(answer.AsSpan(0, jsonLength))!["outputs"]![0]!["shape"]!.ToJsonString());
        Assert.Equal(host.Direct(pixels, 1), Enumerable.Range(0, 10).Select(i => BitConverter.ToSingle(answer, jsonLength + 4 * i)).ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, wrongSize.StatusCode);
        Assert.Contains("has 12 bytes of binary data; its shape needs 768 FP32 values = 3072 bytes", await wrongSize.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Binary_pixels_with_a_json_answer_equal_the_json_request()
    {
        float[] pixels = RunningServer.RandomImages(2, 22);
        (byte[] body, string headerLength) = BinaryRequest(pixels, 2);

        using HttpResponseMessage binary = await Post(body, headerLength);
        using HttpResponseMessage json = await host.Client.PostAsJsonAsync("/v2/models/tiny/infer", RunningServer.InferBody(pixels, 2));

        Assert.Equal(HttpStatusCode.OK, binary.StatusCode);
        Assert.False(binary.Headers.Contains(HeaderLength));
        JsonNode a = (await binary.Content.ReadFromJsonAsync<JsonNode>())!, b = (await json.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.Equal(b["outputs"]![0]!["data"]!.ToJsonString(), a["outputs"]![0]!["data"]!.ToJsonString());
    }

    [Fact]
    public async Task A_binary_classification_output_is_length_prefixed_score_index_label_strings()
    {
        float[] pixels = RunningServer.RandomImages(2, 23);
        (byte[] body, string headerLength) = BinaryRequest(pixels, 2, outputParameters: new JsonObject { ["classification"] = 3, ["binary_data"] = true });

        using HttpResponseMessage response = await Post(body, headerLength);
        byte[] answer = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        int offset = int.Parse(response.Headers.GetValues(HeaderLength).Single());
        Assert.Equal("BYTES", JsonNode.Parse(answer.AsSpan(0, offset))!["outputs"]![0]!["datatype"]!.GetValue<string>());
        var elements = new List<string>();
        while (offset < answer.Length)
        {
            int length = BitConverter.ToInt32(answer, offset);
            elements.Add(Encoding.UTF8.GetString(answer, offset + 4, length));
            offset += 4 + length;
        }
        Assert.Equal(6, elements.Count);
        Assert.All(elements, e => Assert.Matches(@"^0\.\d+:\d:[\w-]+", e));
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "header-past-body", "Inference-Header-Content-Length must be the JSON header's byte count" },
        { "header-not-a-number", "Inference-Header-Content-Length must be the JSON header's byte count" },
        { "declared-size-differs", "declares binary_data_size 1000, but 3072 bytes follow the JSON header" },
        { "wrong-raw-byte-count", "has 3068 bytes of binary data; its shape needs 768 FP32 values = 3072 bytes" },
        { "bytes-without-binary-input", "bytes follow the JSON header, but no input declares binary_data_size" },
        { "nan", "data must be finite numbers, got NaN at element 5" },
        { "binary-data-not-a-flag", "'binary_data' must be true or false, got \"yes\"" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_binary_request_is_a_400_naming_the_problem_and_the_server_stays_healthy(string kind, string message)
    {
        float[] pixels = RunningServer.RandomImages(1, 24);
        (byte[] body, string headerLength) = BinaryRequest(pixels, 1);
        switch (kind)
        {
            case "header-past-body": headerLength = (body.Length + 1).ToString(); break;
            case "header-not-a-number": headerLength = "12x"; break;
            case "declared-size-differs": (body, headerLength) = BinaryRequest(pixels, 1, declaredSize: 1000); break;
            case "wrong-raw-byte-count": (body, headerLength) = BinaryRequest(pixels, 1, raw: pixels.Take(767).SelectMany(BitConverter.GetBytes).ToArray()); break;
            case "bytes-without-binary-input":
                byte[] json = Encoding.UTF8.GetBytes(RunningServer.InferBody(pixels, 1).ToJsonString());
                (body, headerLength) = ([.. json, 1, 2, 3, 4], json.Length.ToString());
                break;
            case "nan":
                float[] withNaN = (float[])pixels.Clone();
                withNaN[5] = float.NaN;
                (body, headerLength) = BinaryRequest(withNaN, 1);
                break;
            case "binary-data-not-a-flag": (body, headerLength) = BinaryRequest(pixels, 1, outputParameters: new JsonObject { ["binary_data"] = "yes" }); break;
        }

        using HttpResponseMessage response = await Post(body, headerLength);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, (await response.Content.ReadFromJsonAsync<JsonNode>())!["error"]!.GetValue<string>());
        (byte[] valid, string validLength) = BinaryRequest(pixels, 1);
        using HttpResponseMessage healthy = await Post(valid, validLength);
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    [Fact]
    public async Task The_server_advertises_the_binary_tensor_extension()
    {
        JsonObject server = (await host.Client.GetFromJsonAsync<JsonObject>("/v2"))!;

        Assert.Contains("binary_tensor_data", server["extensions"]!.AsArray().Select(e => e!.GetValue<string>()));
    }
}

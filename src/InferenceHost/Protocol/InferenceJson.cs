using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Cltool.Core.Errors;
using Cltool.Core.Models;
using Cltool.InferenceHost.Serving;

namespace Cltool.InferenceHost.Protocol;

/// <summary>
/// The KServe v2 / Open Inference Protocol JSON of the infer endpoint, with Triton's classification extension
/// (an output with <c>"parameters": {"classification": k}</c> answers BYTES strings "score:index:label") and the binary
/// tensor extension (<see cref="BinaryTensors"/>: the input's pixels and the output may travel as raw bytes).
/// Every field is checked; a problem is one 400 naming the field and what was expected.
/// </summary>
public static class InferenceJson
{
    /// <summary>Parses the JSON (header) <paramref name="body"/>; a tensor with binary_data_size takes its bytes from <paramref name="binary"/>.</summary>
    public static InferRequest Parse(ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> binary, ModelSession model, int maxImages)
    {
        // The JSON reader checks a string's UTF-8 only when the string is read, with an exception of its own: check once here.
        if (!Utf8.IsValid(body.Span)) throw HostError.BadRequest("the body is not UTF-8 text; send JSON encoded as UTF-8.");
        JsonDocument document;
        try { document = JsonDocument.Parse(body); }
        catch (JsonException error) { throw HostError.BadRequest($"the body is not valid JSON: {CltoolException.OneLine(error.Message)}"); }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw HostError.BadRequest("the body must be a JSON object with 'inputs'.");
            string? id = root.TryGetProperty("id", out JsonElement idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
            if (!root.TryGetProperty("inputs", out JsonElement inputs) || inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() != 1)
                throw HostError.BadRequest($"'inputs' must be an array holding one tensor, '{ModelSignature.Input}'.");
            if (inputs[0].ValueKind != JsonValueKind.Object) throw HostError.BadRequest($"'inputs' must hold a tensor object, got {Truncate(inputs[0].GetRawText())}.");
            (float[] pixels, int count) = ParseInput(inputs[0], binary, model, maxImages);
            (int? topK, bool? binaryOutput) = ParseOutputs(root);
            return new InferRequest(id, pixels, count, topK, binaryOutput ?? BinaryDataOutput(root));
        }
    }

    /// <summary>
    /// The extension's raw binary request (<c>Inference-Header-Content-Length: 0</c>): the body is one image's FP32 bytes,
    /// batch 1, and every output is answered binary.
    /// </summary>
    public static InferRequest RawBinary(ReadOnlyMemory<byte> body, ModelSession model) =>
        new(null, BinaryTensors.Floats(body.Span, model.ImageElements, ModelSignature.Input), 1, null, BinaryOutput: true);

    static (float[] Pixels, int Count) ParseInput(JsonElement input, ReadOnlyMemory<byte> binary, ModelSession model, int maxImages)
    {
        string name = input.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
        string datatype = input.TryGetProperty("datatype", out JsonElement d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
        long[] shape = Shape(input);
        int count = InputCheck.Images(name, datatype, shape, model, maxImages), elements = count * model.ImageElements;
        if (BinaryDataSize(input, name) is { } size)
        {
            if (size != binary.Length)
                throw HostError.BadRequest($"input '{name}' declares binary_data_size {size}, but {binary.Length} bytes follow the JSON header.");
            return (BinaryTensors.Floats(binary.Span, elements, name), count);
        }
        if (!binary.IsEmpty) throw HostError.BadRequest($"{binary.Length} bytes follow the JSON header, but no input declares binary_data_size.");
        if (!input.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.Array)
            throw HostError.BadRequest($"input '{name}' needs 'data', an array of {elements} numbers (flat or nested).");
        var pixels = new float[elements];
        int filled = 0;
        Flatten(data, pixels, ref filled, name);
        if (filled != elements)
            throw HostError.BadRequest($"input '{name}' has {filled} values; its shape [{string.Join(", ", shape)}] needs {elements}.");
        return (pixels, count);
    }

    /// <summary>The input's binary_data_size parameter, or null when its values come as JSON data.</summary>
    static long? BinaryDataSize(JsonElement input, string name)
    {
        if (!input.TryGetProperty("parameters", out JsonElement parameters)) return null;
        if (parameters.ValueKind != JsonValueKind.Object) throw HostError.BadRequest($"input '{name}' parameters must be an object, got {Truncate(parameters.GetRawText())}.");
        if (!parameters.TryGetProperty("binary_data_size", out JsonElement size)) return null;
        return size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out long bytes) && bytes >= 0
            ? bytes : throw HostError.BadRequest($"'binary_data_size' must be a byte count, got {Truncate(size.GetRawText())}.");
    }

    /// <summary>The request-level binary_data_output parameter (every output binary unless an output says otherwise).</summary>
    static bool BinaryDataOutput(JsonElement root)
    {
        if (!root.TryGetProperty("parameters", out JsonElement parameters)) return false;
        if (parameters.ValueKind != JsonValueKind.Object) throw HostError.BadRequest($"request parameters must be an object, got {Truncate(parameters.GetRawText())}.");
        return parameters.TryGetProperty("binary_data_output", out JsonElement flag) && Flag(flag, "binary_data_output");
    }

    static bool Flag(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw HostError.BadRequest($"'{name}' must be true or false, got {Truncate(value.GetRawText())}."),
    };

    static long[] Shape(JsonElement input)
    {
        if (!input.TryGetProperty("shape", out JsonElement shape) || shape.ValueKind != JsonValueKind.Array)
            throw HostError.BadRequest("input needs 'shape', an array of integers.");
        return shape.EnumerateArray().Select(dim => dim.ValueKind == JsonValueKind.Number && dim.TryGetInt64(out long v)
            ? v : throw HostError.BadRequest($"shape entries must be integers, got {dim.GetRawText()}.")).ToArray();
    }

    static void Flatten(JsonElement element, float[] into, ref int filled, string name)
    {
        foreach (JsonElement item in element.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array) { Flatten(item, into, ref filled, name); continue; }
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetSingle(out float value) || !float.IsFinite(value))
                throw HostError.BadRequest($"input '{name}' data must be finite numbers, got {Truncate(item.GetRawText())}.");
            if (filled < into.Length) into[filled] = value;   // extra values are counted and reported by the caller
            filled++;
        }
    }

    /// <summary>The classification k and the binary_data choice of the requested output (null: not said).</summary>
    static (int? TopK, bool? Binary) ParseOutputs(JsonElement root)
    {
        if (!root.TryGetProperty("outputs", out JsonElement outputs)) return (null, null);
        if (outputs.ValueKind != JsonValueKind.Array) throw HostError.BadRequest("'outputs' must be an array.");
        int? topK = null;
        bool? binary = null;
        foreach (JsonElement output in outputs.EnumerateArray())
        {
            if (output.ValueKind != JsonValueKind.Object) throw HostError.BadRequest($"'outputs' must hold objects naming an output, got {Truncate(output.GetRawText())}.");
            string name = output.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
            if (name != ModelSignature.Output) throw HostError.BadRequest($"output '{name}' is unknown; the model's output is '{ModelSignature.Output}'.");
            if (!output.TryGetProperty("parameters", out JsonElement parameters)) continue;
            if (parameters.ValueKind != JsonValueKind.Object) throw HostError.BadRequest($"output parameters must be an object, got {Truncate(parameters.GetRawText())}.");
            if (parameters.TryGetProperty("classification", out JsonElement k))
                topK = k.ValueKind == JsonValueKind.Number && k.TryGetInt32(out int value) && value > 0
                    ? value : throw HostError.BadRequest($"'classification' must be a positive integer, got {k.GetRawText()}.");
            if (parameters.TryGetProperty("binary_data", out JsonElement flag)) binary = Flag(flag, "binary_data");
        }
        return (topK, binary);
    }

    /// <summary>
    /// The response: FP32 logits [N, classes], or with classification the top k per image as "score:index:label"; as JSON
    /// data, or (binary output asked) as raw bytes after the JSON header, which then says their binary_data_size.
    /// </summary>
    public static (JsonObject Header, byte[]? Binary) Response(ServedVersion served, InferRequest request, InferenceResult result)
    {
        var output = new JsonObject { ["name"] = ModelSignature.Output };
        byte[]? binary = null;
        if (request.ClassificationTopK is { } k)
        {
            (string[] labels, int top) = Classification(result, k);
            output["shape"] = new JsonArray(result.Count, top);
            output["datatype"] = "BYTES";
            if (request.BinaryOutput) binary = BinaryTensors.Bytes(labels);
            else output["data"] = new JsonArray(labels.Select(label => (JsonNode)label).ToArray());
        }
        else
        {
            output["shape"] = new JsonArray(result.Count, result.Classes);
            output["datatype"] = "FP32";
            if (request.BinaryOutput) binary = BinaryTensors.Bytes(result.Logits);
            else output["data"] = new JsonArray(result.Logits.Select(v => (JsonNode)v).ToArray());
        }
        if (binary is not null) output["parameters"] = new JsonObject { ["binary_data_size"] = binary.Length };
        var response = new JsonObject { ["model_name"] = served.Model, ["model_version"] = served.Version.ToString() };
        if (request.Id is not null) response["id"] = request.Id;
        response["outputs"] = new JsonArray(output);
        return (response, binary);
    }

    /// <summary>Triton's classification output: the top k of each image as "score:index:label", and k as capped by the classes.</summary>
    public static (string[] Elements, int K) Classification(InferenceResult result, int k)
    {
        int top = Math.Min(k, result.Classes);
        string[] elements = Enumerable.Range(0, result.Count).SelectMany(row => TopK(result, row, top))
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Score}:{c.Index}:{c.Label}")).ToArray();
        return (elements, top);
    }

    public sealed record Candidate(string Label, int Index, float Score);

    /// <summary>The k most likely classes of one image, with softmax probabilities, most likely first.</summary>
    public static IEnumerable<Candidate> TopK(InferenceResult result, int row, int k)
    {
        ReadOnlySpan<float> logits = result.Logits.AsSpan(row * result.Classes, result.Classes);
        float max = float.NegativeInfinity;
        foreach (float v in logits) max = Math.Max(max, v);
        var probabilities = new float[logits.Length];
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += probabilities[i] = MathF.Exp(logits[i] - max);
        for (int i = 0; i < probabilities.Length; i++) probabilities[i] = (float)(probabilities[i] / sum);
        return Enumerable.Range(0, probabilities.Length).OrderByDescending(i => probabilities[i]).ThenBy(i => i).Take(k)
            .Select(i => new Candidate(result.Labels[i], i, probabilities[i])).ToArray();
    }

    static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";
}

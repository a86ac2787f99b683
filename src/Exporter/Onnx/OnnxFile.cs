using Google.Protobuf;
using Onnx;

namespace Cltool.Exporter.Onnx;

/// <summary>
/// Writes a model to disk. Protobuf caps a message at 2 GB, so a model whose weights exceed the threshold keeps them in
/// one external data file next to it (<c>NAME.data</c>, 4 KiB-aligned offsets, ONNX's external data format).
/// </summary>
public static class OnnxFile
{
    public const long ExternalDataThreshold = (1L << 31) - 64L * 1024 * 1024;   // 2 GiB less room for the graph
    const int Alignment = 4096, SmallestExternal = 1024;

    public static string DataFileName(string modelPath) => Path.GetFileName(modelPath) + ".data";

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/>; returns the external data file's path, or null.</summary>
    public static string? Write(ModelProto model, string path, long externalDataThreshold = ExternalDataThreshold)
    {
        long weightBytes = model.Graph.Initializer.Sum(tensor => (long)tensor.RawData.Length);
        string? dataPath = null;
        if (weightBytes > externalDataThreshold)
        {
            model = model.Clone();
            dataPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, DataFileName(path));
            MoveWeightsOut(model, dataPath);
        }
        using (FileStream stream = File.Create(path))
        {
            model.WriteTo(stream);
            stream.Flush(flushToDisk: true);
        }
        return dataPath;
    }

    static void MoveWeightsOut(ModelProto model, string dataPath)
    {
        using FileStream data = File.Create(dataPath);
        foreach (TensorProto tensor in model.Graph.Initializer.Where(t => t.RawData.Length >= SmallestExternal))
        {
            long offset = (data.Position + Alignment - 1) / Alignment * Alignment;
            data.SetLength(offset);
            data.Position = offset;
            tensor.RawData.WriteTo(data);
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = Path.GetFileName(dataPath) });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensor.RawData.Length.ToString() });
            tensor.RawData = ByteString.Empty;
        }
        data.Flush(flushToDisk: true);
    }
}

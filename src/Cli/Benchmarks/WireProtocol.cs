namespace Cltool.Cli.Benchmarks;

/// <summary>The wire formats a client can infer over: KServe v2 JSON, Triton's binary tensors on HTTP, or gRPC with raw tensors.</summary>
public enum WireProtocol { Json, Binary, Grpc }

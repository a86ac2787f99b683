using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cltool.Core.Errors;
using Cltool.InferenceHost.Protocol.Grpc;
using Grpc.Net.Client;

namespace Cltool.InferenceHost.Tests;

/// <summary>
/// The host's own TLS with certificates made here: REST and gRPC over TLS, plain HTTP refused on the TLS port, mutual TLS
/// that admits only clients with a certificate from the given CA, and every bad file one error before anything listens.
/// </summary>
public sealed class TlsTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();
    readonly X509Certificate2 _authority, _server;

    public TlsTests()
    {
        TinyOnnxModel.Write(_temporary.File("tiny.onnx"));
        _authority = Authority("cltool test CA");
        _server = Issued(_authority, "127.0.0.1");
        WritePem(_server, "server");
        File.WriteAllText(_temporary.File("ca.pem"), _authority.ExportCertificatePem());
    }

    public void Dispose() => _temporary.Dispose();

    static X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    static X509Certificate2 Issued(X509Certificate2 authority, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 issued = request.Create(authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, (byte)name.Length]);
        return issued.CopyWithPrivateKey(key);
    }

    void WritePem(X509Certificate2 certificate, string name)
    {
        File.WriteAllText(_temporary.File($"{name}.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(_temporary.File($"{name}.key"), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    ServeOptions Options(bool mutual = false) => RunningServer.Options(_temporary.File("tiny.onnx")) with
    {
        Urls = "https://127.0.0.1:0",
        GrpcUrls = "https://127.0.0.1:0",
        TlsCertificate = _temporary.File("server.pem"),
        TlsKey = _temporary.File("server.key"),
        TlsClientCa = mutual ? _temporary.File("ca.pem") : null,
    };

    /// <summary>A handler that trusts exactly the test's server certificate and presents <paramref name="client"/>, if any.</summary>
    HttpClientHandler Handler(X509Certificate2? client = null)
    {
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == _server.Thumbprint };
        if (client is not null) handler.ClientCertificates.Add(client);
        return handler;
    }

    [Fact]
    public async Task Rest_and_grpc_answer_over_tls_and_plain_http_to_the_tls_port_gets_no_answer()
    {
        await using InferenceServer server = await InferenceServer.StartAsync(Options(), _ => { });
        string rest = server.Addresses.Single();
        Assert.StartsWith("https://127.0.0.1:", rest);
        using var client = new HttpClient(Handler());

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{rest}/v2/health/ready")).StatusCode);
        using var channel = GrpcChannel.ForAddress(server.GrpcAddresses.Single(), new GrpcChannelOptions { HttpHandler = Handler() });
        Assert.True((await new GRPCInferenceService.GRPCInferenceServiceClient(channel).ServerLiveAsync(new ServerLiveRequest())).Live);
        using var plain = new HttpClient();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync(rest.Replace("https://", "http://") + "/v2/health/ready"));
    }

    [Fact]
    public async Task Mutual_tls_admits_a_client_certificate_from_the_ca_and_refuses_none_or_a_stranger()
    {
        await using InferenceServer server = await InferenceServer.StartAsync(Options(mutual: true), _ => { });
        string ready = server.Addresses.Single() + "/v2/health/ready";
        X509Certificate2 member = Issued(_authority, "client"), stranger = Issued(Authority("someone else"), "client");

        using (var client = new HttpClient(Handler(member))) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(ready)).StatusCode);
        using (var client = new HttpClient(Handler())) await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync(ready));
        using (var client = new HttpClient(Handler(stranger))) await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync(ready));
    }

    [Fact]
    public async Task A_missing_file_a_key_of_another_certificate_or_https_without_tls_is_one_error_before_listening()
    {
        WritePem(Issued(_authority, "other"), "other");

        var missing = await Assert.ThrowsAsync<CltoolException>(() => InferenceServer.StartAsync(Options() with { TlsKey = _temporary.File("nope.key") }, _ => { }));
        var mismatched = await Assert.ThrowsAsync<CltoolException>(() => InferenceServer.StartAsync(Options() with { TlsKey = _temporary.File("other.key") }, _ => { }));
        var notPem = await Assert.ThrowsAsync<CltoolException>(() => InferenceServer.StartAsync(Options(mutual: true) with { TlsClientCa = _temporary.File("tiny.onnx") }, _ => { }));
        var noTls = await Assert.ThrowsAsync<CltoolException>(() => InferenceServer.StartAsync(
            RunningServer.Options(_temporary.File("tiny.onnx")) with { Urls = "https://127.0.0.1:0" }, _ => { }));

        Assert.Equal($"--tls-cert/--tls-key: file '{_temporary.File("nope.key")}' does not exist.", missing.Message);
        Assert.Contains("could not use", mismatched.Message);
        Assert.Contains("as a PEM certificate and its private key", mismatched.Message);
        Assert.StartsWith("--tls-client-ca: could not use", notPem.Message);
        Assert.All(new[] { missing, mismatched, notPem }, e => Assert.Equal(1, e.ExitCode));
        Assert.Contains("asks for TLS: give --tls-cert and --tls-key", noTls.Message);
        Assert.All(new[] { missing.Message, mismatched.Message, notPem.Message, noTls.Message }, m => Assert.DoesNotContain('\n', m));
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;

namespace IoTCerts.Ocsp.Server;

// Lets BouncyCastle's OCSP generator sign with a .NET key (in memory or in a PKCS#11 token): the key never leaves
// IoTCerts.Issuance's SigningKey, BouncyCastle only encodes.
internal sealed class DotNetSignatureFactory : ISignatureFactory
{
    private readonly X509SignatureGenerator _generator;
    private readonly HashAlgorithmName _hash;

    public DotNetSignatureFactory(X509SignatureGenerator generator, HashAlgorithmName hash)
    {
        _generator = generator;
        _hash = hash;
        AlgorithmDetails = AlgorithmIdentifier.GetInstance(Asn1Object.FromByteArray(generator.GetSignatureAlgorithmIdentifier(hash)));
    }

    public object AlgorithmDetails { get; }

    public IStreamCalculator<IBlockResult> CreateCalculator() => new Calculator(this);

    private sealed class Calculator(DotNetSignatureFactory factory) : IStreamCalculator<IBlockResult>
    {
        private readonly MemoryStream _buffer = new();

        public Stream Stream => _buffer;

        public IBlockResult GetResult() => new SignatureBlock(factory._generator.SignData(_buffer.ToArray(), factory._hash));
    }

    private sealed class SignatureBlock(byte[] signature) : IBlockResult
    {
        public byte[] Collect() => (byte[])signature.Clone();

        public int Collect(byte[] buf, int off)
        {
            signature.CopyTo(buf, off);
            return signature.Length;
        }

        public int Collect(Span<byte> output)
        {
            signature.CopyTo(output);
            return signature.Length;
        }

        public int GetMaxResultLength() => signature.Length;
    }
}

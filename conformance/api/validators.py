"""An OpenSSH public key line, checked the way ssh-keygen reads one: TYPE BASE64 [COMMENT]."""
import base64
import binascii
import struct

from django.core.exceptions import ValidationError

KEY_TYPES = {
    "ssh-rsa",
    "ssh-dss",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
}


def validate_public_key(value):
    """The blob must decode and begin with an SSH string naming the same key type (RFC 4253)."""
    parts = value.split()
    if len(parts) >= 2 and parts[0] in KEY_TYPES:
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError):
            blob = b""
        if len(blob) > 4:
            (length,) = struct.unpack(">I", blob[:4])
            if blob[4 : 4 + length] == parts[0].encode():
                return
    raise ValidationError("Invalid public key.")

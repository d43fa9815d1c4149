use kyc_vault::{
    Envelope, KeyId, Keyring, MasterKey, VaultError, FORMAT_VERSION, HEADER_LEN, MAGIC, TAG_LEN,
    WRAPPED_KEY_LEN,
};

const AAD: &[u8] = b"doc-0193f1a2";

#[test]
fn round_trip() {
    let keyring = Keyring::for_testing();
    for plaintext in [&b""[..], b"x", b"passport scan bytes", &[7u8; 70_000]] {
        let sealed = keyring.seal(plaintext, AAD).unwrap();
        let ciphertext = &sealed.object[HEADER_LEN..sealed.object.len() - TAG_LEN];
        assert_eq!(ciphertext.len(), plaintext.len());
        // A one-byte ciphertext equals its plaintext once in 256 seals (a
        // keystream byte of 0): only compare where a match means no cipher.
        if plaintext.len() >= 16 {
            assert_ne!(ciphertext, plaintext);
        }
        assert_eq!(
            keyring.open(&sealed.envelope, &sealed.object, AAD).unwrap(),
            plaintext
        );
    }
}

#[test]
fn object_layout_matches_the_documented_format() {
    let keyring = Keyring::for_testing();
    let plaintext = b"0123456789";
    let sealed = keyring.seal(plaintext, AAD).unwrap();
    let object = &sealed.object;
    assert_eq!(object.len(), 4 + 1 + 12 + plaintext.len() + 16);
    assert_eq!(&object[..4], b"KYCE");
    assert_eq!(&object[..4], &MAGIC);
    assert_eq!(object[4], 1);
    assert_eq!(FORMAT_VERSION, 1);
    assert_eq!(object[5..17], sealed.envelope.nonce);
    assert_eq!(sealed.envelope.wrapped_key.len(), WRAPPED_KEY_LEN);
    assert_eq!(WRAPPED_KEY_LEN, 40);
    assert_eq!(&sealed.envelope.key_id, keyring.active_id());
}

#[test]
fn same_input_different_ciphertext() {
    let keyring = Keyring::for_testing();
    let a = keyring.seal(b"same bytes", AAD).unwrap();
    let b = keyring.seal(b"same bytes", AAD).unwrap();
    assert_ne!(a.object, b.object);
    assert_ne!(a.envelope.nonce, b.envelope.nonce);
    assert_ne!(
        a.envelope.wrapped_key, b.envelope.wrapped_key,
        "data keys must be fresh"
    );
    assert_ne!(a.object[HEADER_LEN..], b.object[HEADER_LEN..]);
}

#[test]
fn tampered_ciphertext_or_tag_fails_to_decrypt() {
    let keyring = Keyring::for_testing();
    let sealed = keyring.seal(b"some document", AAD).unwrap();
    for index in [HEADER_LEN, HEADER_LEN + 5, sealed.object.len() - 1] {
        let mut object = sealed.object.clone();
        object[index] ^= 0x01;
        assert!(
            matches!(
                keyring.open(&sealed.envelope, &object, AAD),
                Err(VaultError::Decrypt)
            ),
            "flip at {index} was accepted"
        );
    }
    let mut extended = sealed.object.clone();
    extended.push(0);
    assert!(matches!(
        keyring.open(&sealed.envelope, &extended, AAD),
        Err(VaultError::Decrypt)
    ));
}

#[test]
fn malformed_header_is_a_format_error() {
    let keyring = Keyring::for_testing();
    let sealed = keyring.seal(b"doc", AAD).unwrap();
    let open = |object: &[u8]| keyring.open(&sealed.envelope, object, AAD);

    let mut bad_magic = sealed.object.clone();
    bad_magic[0] = b'X';
    let mut bad_version = sealed.object.clone();
    bad_version[4] = 2;
    let mut bad_nonce = sealed.object.clone();
    bad_nonce[5] ^= 0x80;
    let truncated = &sealed.object[..HEADER_LEN + TAG_LEN - 1];
    for object in [&bad_magic[..], &bad_version, &bad_nonce, truncated, b""] {
        assert!(
            matches!(open(object), Err(VaultError::Format(_))),
            "{:?}",
            open(object)
        );
    }
}

#[test]
fn wrong_aad_fails() {
    let keyring = Keyring::for_testing();
    let sealed = keyring.seal(b"doc", b"doc-1").unwrap();
    assert!(matches!(
        keyring.open(&sealed.envelope, &sealed.object, b"doc-2"),
        Err(VaultError::Decrypt)
    ));
    assert!(matches!(
        keyring.open(&sealed.envelope, &sealed.object, b""),
        Err(VaultError::Decrypt)
    ));
}

#[test]
fn wrong_key_fails() {
    let keyring = Keyring::for_testing();
    let other = Keyring::for_testing();
    let sealed = keyring.seal(b"doc", AAD).unwrap();

    match other.open(&sealed.envelope, &sealed.object, AAD) {
        Err(VaultError::UnknownKey(id)) => assert_eq!(&id, keyring.active_id()),
        other => panic!("expected UnknownKey, got {other:?}"),
    }

    // An envelope that names the other keyring's key: AES-KW's integrity
    // check rejects the unwrap.
    let relabelled = Envelope {
        key_id: other.active_id().clone(),
        ..sealed.envelope.clone()
    };
    assert!(matches!(
        other.open(&relabelled, &sealed.object, AAD),
        Err(VaultError::Decrypt)
    ));

    let mut tampered = sealed.envelope.clone();
    tampered.wrapped_key[3] ^= 0x01;
    assert!(matches!(
        keyring.open(&tampered, &sealed.object, AAD),
        Err(VaultError::Decrypt)
    ));

    let mut short = sealed.envelope.clone();
    short.wrapped_key.pop();
    assert!(matches!(
        keyring.open(&short, &sealed.object, AAD),
        Err(VaultError::Format(_))
    ));
}

#[test]
fn rewrap_moves_envelopes_to_the_new_key() {
    let old_key = MasterKey::generate();
    let new_key = MasterKey::generate();
    let old = Keyring::new(old_key.clone());
    let rotated = Keyring::new(new_key.clone()).with_retired(old_key.clone());
    let new_only = Keyring::new(new_key.clone());

    let sealed = old.seal(b"document before rotation", AAD).unwrap();
    // Before rewrap the retired key still opens it.
    assert_eq!(
        rotated.open(&sealed.envelope, &sealed.object, AAD).unwrap(),
        b"document before rotation"
    );
    assert!(matches!(
        new_only.open(&sealed.envelope, &sealed.object, AAD),
        Err(VaultError::UnknownKey(_))
    ));

    let rewrapped = rotated.rewrap(&sealed.envelope).unwrap();
    assert_eq!(&rewrapped.key_id, new_key.id());
    assert_eq!(rewrapped.nonce, sealed.envelope.nonce);
    assert_ne!(rewrapped.wrapped_key, sealed.envelope.wrapped_key);

    // Same object bytes, new envelope: opens with the rotated keyring and
    // with the new key alone, so the old key can be destroyed.
    for keyring in [&rotated, &new_only] {
        assert_eq!(
            keyring.open(&rewrapped, &sealed.object, AAD).unwrap(),
            b"document before rotation"
        );
    }
    assert!(matches!(
        old.open(&rewrapped, &sealed.object, AAD),
        Err(VaultError::UnknownKey(_))
    ));
    assert!(matches!(
        new_only.rewrap(&sealed.envelope),
        Err(VaultError::UnknownKey(_))
    ));
}

#[test]
fn new_seals_use_only_the_active_key() {
    let old_key = MasterKey::generate();
    let rotated = Keyring::new(MasterKey::generate()).with_retired(old_key.clone());
    let sealed = rotated.seal(b"doc", AAD).unwrap();
    assert_eq!(&sealed.envelope.key_id, rotated.active_id());
    assert_ne!(&sealed.envelope.key_id, old_key.id());
}

#[test]
fn master_key_hex_validation() {
    let hex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
    let key = MasterKey::from_hex(&format!("  {hex}\n")).unwrap();
    assert_eq!(key.to_hex(), hex.to_lowercase());
    let again = MasterKey::from_hex(&key.to_hex()).unwrap();
    assert_eq!(again.id(), key.id());

    let bad = [
        "",
        &hex[..63],
        &format!("{hex}0"),
        &format!("{}zz", &hex[..62]),
        &format!("{} {}", &hex[..32], &hex[32..]),
        &format!("0x{}", &hex[2..]),
    ];
    for input in bad {
        assert!(
            matches!(MasterKey::from_hex(input), Err(VaultError::InvalidKey(_))),
            "{input:?} accepted"
        );
    }
}

#[test]
fn key_id_is_a_prefix_of_the_key_hash() {
    // SHA-256 of 32 zero bytes starts 66687aadf862bd77.
    let zero = MasterKey::from_hex(&"0".repeat(64)).unwrap();
    assert_eq!(zero.id().as_str(), "mk-66687aadf862bd77");
    assert_eq!(zero.id().to_string(), "mk-66687aadf862bd77");
    let parsed: KeyId = "mk-66687aadf862bd77".parse().unwrap();
    assert_eq!(&parsed, zero.id());
    for bad in [
        "66687aadf862bd77",
        "mk-66687AADF862BD77",
        "mk-66687aadf862bd7",
        "mk-",
    ] {
        assert!(bad.parse::<KeyId>().is_err(), "{bad:?} accepted");
    }
    assert_ne!(MasterKey::generate().id(), MasterKey::generate().id());
}

#[test]
fn debug_output_never_contains_key_material() {
    let key = MasterKey::generate();
    let hex = key.to_hex();
    let keyring = Keyring::new(key.clone()).with_retired(MasterKey::generate());
    for printed in [
        format!("{key:?}"),
        format!("{keyring:?}"),
        format!("{key:#?}"),
    ] {
        assert!(!printed.contains(&hex), "key leaked in {printed}");
        assert!(
            !printed.contains(&hex[..16]),
            "key prefix leaked in {printed}"
        );
        assert!(printed.contains(key.id().as_str()));
    }
}

#[test]
fn envelope_from_db_columns() {
    let keyring = Keyring::for_testing();
    let sealed = keyring.seal(b"doc", AAD).unwrap();
    let env = &sealed.envelope;
    let rebuilt =
        Envelope::from_parts(env.key_id.as_str(), env.wrapped_key.clone(), &env.nonce).unwrap();
    assert_eq!(&rebuilt, env);
    assert_eq!(keyring.open(&rebuilt, &sealed.object, AAD).unwrap(), b"doc");

    let bad = [
        Envelope::from_parts("mk-nothex", env.wrapped_key.clone(), &env.nonce),
        Envelope::from_parts(env.key_id.as_str(), vec![0; 39], &env.nonce),
        Envelope::from_parts(
            env.key_id.as_str(),
            env.wrapped_key.clone(),
            &env.nonce[..11],
        ),
    ];
    for result in bad {
        assert!(matches!(result, Err(VaultError::Format(_))), "{result:?}");
    }
}

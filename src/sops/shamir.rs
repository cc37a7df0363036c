//! Shamir secret sharing combine over GF(2^8) (HashiCorp Vault's scheme, as sops uses it).

/// Multiplies in GF(2^8) with the AES polynomial x^8+x^4+x^3+x+1.
fn mul(mut a: u8, mut b: u8) -> u8 {
    let mut r = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            r ^= a;
        }
        let carry = a & 0x80;
        a <<= 1;
        if carry != 0 {
            a ^= 0x1B;
        }
        b >>= 1;
    }
    r
}

/// The multiplicative inverse (a^254); `inv(0)` is 0 and never asked for.
fn inv(a: u8) -> u8 {
    let mut r = 1u8;
    let mut base = a;
    let mut e = 254u8;
    while e != 0 {
        if e & 1 != 0 {
            r = mul(r, base);
        }
        base = mul(base, base);
        e >>= 1;
    }
    r
}

/// Recovers the secret from parts `y_1..y_n || x`. Errors name what is wrong with the parts.
pub fn combine(parts: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    if parts.len() < 2 {
        return Err("less than two parts cannot be used to reconstruct the secret".into());
    }
    let len = parts[0].len();
    if len < 2 {
        return Err("parts must be at least two bytes".into());
    }
    if parts.iter().any(|p| p.len() != len) {
        return Err("all parts must be the same length".into());
    }
    let xs: Vec<u8> = parts.iter().map(|p| p[len - 1]).collect();
    for (i, x) in xs.iter().enumerate() {
        if xs[..i].contains(x) {
            return Err("duplicate part detected".into());
        }
    }
    let mut secret = vec![0u8; len - 1];
    for (j, part) in parts.iter().enumerate() {
        // Lagrange basis at 0: prod_{m != j} x_m / (x_j ^ x_m).
        let mut basis = 1u8;
        for (m, &xm) in xs.iter().enumerate() {
            if m != j {
                basis = mul(basis, mul(xm, inv(xs[j] ^ xm)));
            }
        }
        for (s, &y) in secret.iter_mut().zip(&part[..len - 1]) {
            *s ^= mul(y, basis);
        }
    }
    Ok(secret)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Evaluates a polynomial with the given coefficients (constant first) at x.
    fn eval(coeffs: &[u8], x: u8) -> u8 {
        coeffs.iter().rev().fold(0, |acc, &c| mul(acc, x) ^ c)
    }

    /// A share `y_1..y_n || x` of `secret` on the lines with the given slopes (threshold 2).
    pub(crate) fn share(secret: &[u8], slopes: &[u8], x: u8) -> Vec<u8> {
        let mut out: Vec<u8> = secret
            .iter()
            .zip(slopes)
            .map(|(&s, &a)| eval(&[s, a], x))
            .collect();
        out.push(x);
        out
    }

    #[test]
    fn field_arithmetic() {
        assert_eq!(mul(0x57, 0x83), 0xC1); // FIPS-197 example
        for a in 1..=255u8 {
            assert_eq!(mul(a, inv(a)), 1);
        }
    }

    #[test]
    fn any_two_shares_of_a_line_recover_the_secret() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let slopes: Vec<u8> = (0..32).map(|i| (i * 37 + 11) as u8).collect();
        let shares: Vec<Vec<u8>> = [3u8, 90, 201]
            .iter()
            .map(|&x| share(secret, &slopes, x))
            .collect();
        assert_eq!(combine(&shares[..2]).unwrap(), secret);
        assert_eq!(combine(&shares[1..]).unwrap(), secret);
        assert_eq!(combine(&shares).unwrap(), secret);
    }

    #[test]
    fn bad_parts_are_rejected() {
        assert!(combine(&[vec![1, 2]]).is_err());
        assert!(combine(&[vec![1, 2], vec![1, 2, 3]]).is_err());
        assert!(
            combine(&[vec![1, 2], vec![3, 2]])
                .unwrap_err()
                .contains("duplicate")
        );
    }
}

/// `clippy::clone_on_copy`: a warning, so an error under `-D warnings`.
pub fn planted(x: u8) -> u8 {
    #[allow(clippy::let_and_return)]
    let y = x.clone();
    y
}

//! `format.color`: 24-bit RGB — not greyscale, not CMYK, no alpha, 8 bits per channel.

use super::{judged, Measurements};
use crate::intake::ColorModel;
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "format.color";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.format_color;
    let (model, bits) = (m.facts.color, m.facts.bit_depth);
    let ok = model == ColorModel::Rgb && bits == 8;
    let found = format!("{} {bits}-bit", model.name());
    let message = if ok {
        Message::new("24 位 RGB 彩色", "24-bit RGB colour")
    } else {
        let advice_zh = match model {
            ColorModel::Grey | ColorModel::GreyAlpha => "黑白(灰度)照片不合格，需彩色照片",
            ColorModel::Cmyk => "CMYK (印刷色) 文件，需转换为 RGB 后另存",
            ColorModel::Rgba => "带透明通道，需另存为不带透明的 RGB JPEG",
            ColorModel::Indexed => "索引色 (调色板) 图像，需另存为 24 位 RGB",
            ColorModel::Rgb => "每通道位数不是 8 位，需另存为 24 位 RGB",
        };
        let advice_en = match model {
            ColorModel::Grey | ColorModel::GreyAlpha => {
                "a black-and-white photo: a colour photo is needed"
            }
            ColorModel::Cmyk => "a CMYK (print) file: convert to RGB and save again",
            ColorModel::Rgba => "it has a transparency channel: save as RGB JPEG without it",
            ColorModel::Indexed => "a palette (indexed) image: save as 24-bit RGB",
            ColorModel::Rgb => "not 8 bits per channel: save as 24-bit RGB",
        };
        Message::new(
            format!("颜色格式为 {found}：{advice_zh}"),
            format!("colour format is {found}: {advice_en}"),
        )
    };
    judged(
        ID,
        rule,
        ok,
        found,
        "RGB 8-bit (24-bit)".to_string(),
        message,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn every_non_rgb8_model_fails() {
        for (model, bits) in [
            (ColorModel::Grey, 8),
            (ColorModel::Cmyk, 8),
            (ColorModel::Rgba, 8),
            (ColorModel::Indexed, 8),
            (ColorModel::Rgb, 16),
        ] {
            let mut m = compliant();
            m.facts.color = model;
            m.facts.bit_depth = bits;
            assert_eq!(status_of(ID, &m), Status::Fail, "{model:?} {bits}");
        }
    }
}

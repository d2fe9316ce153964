//! `accessories.none`: no scarf, hat, necklace, earrings or hair clips (围巾、帽子、项链、
//! 耳饰和发卡). Three things are looked for: small, bright, colourless highlights below both
//! ear lobes (earrings), vivid colour in the hair (a headband, a bow, a clip) and a fine,
//! colourless pattern below the chin (a knitted or woven scarf). Hats, necklaces and plain
//! scarves are not — unless the optional face-parsing model ran: then its earrings replace
//! the highlights, and its necklaces and hats are looked for too.

use super::{judged, person_or_skip, round3, round5, Measurements};
use crate::analysis::PartShares;
use crate::profile::{AccessoriesNone, Profile};
use crate::report::{CheckResult, Message, Status};

pub const ID: &str = "accessories.none";

/// One accessory looked for: its measured share, its limit, and how to name it.
struct Item {
    share: Option<f64>,
    max: f64,
    key: &'static str,
    found: (&'static str, &'static str),
    unseen: (&'static str, &'static str),
}

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.accessories_none;
    let s = &rule.params;
    let common = format!(
        "hair ornament ≤ {:.1}% of the hair in vivid colour, scarf ≤ {:.1}% of the window below the chin in a fine pattern",
        s.max_hair_ornament * 100.0,
        s.max_neck_pattern * 100.0
    );
    let limit = match m.parts {
        Some(_) => format!(
            "face parsing: earrings ≤ {:.3}%, necklace ≤ {:.3}%, hat ≤ {:.1}% of the head crop; {common}",
            s.max_parsed_earring * 100.0,
            s.max_parsed_necklace * 100.0,
            s.max_parsed_hat * 100.0
        ),
        None => format!(
            "earrings ≤ {:.1}% of each window below the ear lobes in highlights, {common}",
            s.max_earrings * 100.0
        ),
    };
    let person = match person_or_skip(m, ID, &limit) {
        Ok(person) => person,
        Err(skip) => return *skip,
    };
    let a = &person.accessories;
    let mut items = match m.parts {
        Some(parts) => parsed_items(&parts, s),
        None => vec![Item {
            share: a.earrings,
            max: s.max_earrings,
            key: "earrings",
            found: (
                "两侧耳垂下方都有小而亮的饰物（耳环、耳钉）",
                "small bright objects below both ear lobes (earrings, studs)",
            ),
            unseen: (
                "耳垂下方不在照片内",
                "the photo does not show below the ear lobes",
            ),
        }],
    };
    items.extend([
        Item {
            share: a.hair_ornament,
            max: s.max_hair_ornament,
            key: "hair_ornament",
            found: (
                "头发上有颜色鲜艳的饰物（发带、发箍、发卡或头花）",
                "something vividly coloured in the hair (a headband, a hair band, a clip or a bow)",
            ),
            unseen: ("额头上方看不到头发", "no hair shows above the forehead"),
        },
        Item {
            share: a.neck_pattern,
            max: s.max_neck_pattern,
            key: "neck_pattern",
            found: (
                "下巴下方颈部有带花纹的织物（围巾）",
                "a patterned textile around the neck below the chin (a scarf)",
            ),
            unseen: (
                "下巴下方不在照片内",
                "the photo does not show below the chin",
            ),
        },
    ]);
    let round = if m.parts.is_some() { round5 } else { round3 };
    let value: serde_json::Map<String, serde_json::Value> = items
        .iter()
        .map(|i| (i.key.to_string(), i.share.map(round).into()))
        .collect();
    let found: Vec<&Item> = items
        .iter()
        .filter(|i| i.share.is_some_and(|v| v > i.max))
        .collect();
    let unseen: Vec<&Item> = items.iter().filter(|i| i.share.is_none()).collect();
    let join = |list: &[&Item], part: fn(&Item) -> (&'static str, &'static str), zh: &str| {
        let (z, e): (Vec<&str>, Vec<&str>) = list.iter().map(|i| part(i)).unzip();
        (z.join(zh), e.join("; "))
    };
    if found.is_empty() && !unseen.is_empty() {
        // What could be read is still reported.
        let (zh, en) = join(&unseen, |i| i.unseen, "，");
        return CheckResult {
            id: ID.to_string(),
            status: Status::Skip,
            value: value.into(),
            limit,
            message: Message::new(
                format!("{zh}，无法判断是否佩戴饰物"),
                format!("{en}, so accessories cannot be judged"),
            ),
        };
    }
    let message = match (found.is_empty(), m.parts.is_some()) {
        (true, true) => Message::new(
            "未见耳饰、项链、帽子、发饰或花纹围巾（素色围巾未检查，请目视确认）",
            "no earrings, necklace, hat, hair ornaments or patterned scarf (plain scarves are not checked: look)",
        ),
        (true, false) => Message::new(
            "未见银白色耳饰、发饰或花纹围巾（金色、彩色或深色耳饰，帽子、项链和素色围巾未检查，请目视确认）",
            "no silver or white earrings, hair ornaments or patterned scarf (gold, coloured or dark earrings, hats, necklaces and plain scarves are not checked: look)",
        ),
        (false, _) => {
            let (zh, en) = join(&found, |i| i.found, "；");
            Message::new(
                format!("{zh}：请摘下围巾、帽子、项链、耳饰和发饰后重新拍照"),
                format!("{en}: take off scarves, hats, necklaces, earrings and hair ornaments and retake the photo"),
            )
        }
    };
    judged(ID, rule, found.is_empty(), value, limit, message)
}

/// The items the face-parsing model finds, each a share of its head crop.
fn parsed_items(parts: &PartShares, s: &AccessoriesNone) -> Vec<Item> {
    let item = |share, max, key, found| Item {
        share: Some(share),
        max,
        key,
        found,
        unseen: ("", ""), // always measured
    };
    vec![
        item(
            parts.earring,
            s.max_parsed_earring,
            "parsed_earring",
            (
                "耳朵上有耳饰（耳环、耳钉）",
                "earrings or studs on the ears",
            ),
        ),
        item(
            parts.necklace,
            s.max_parsed_necklace,
            "parsed_necklace",
            ("颈部有项链", "a necklace around the neck"),
        ),
        item(
            parts.hat,
            s.max_parsed_hat,
            "parsed_hat",
            ("头上戴着帽子或头饰", "a hat or headwear on the head"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{clean_parts, compliant};
    use super::*;
    use crate::accessory_measures::Accessories;

    fn with(accessories: Accessories) -> CheckResult {
        let mut m = compliant();
        m.person.as_mut().unwrap().accessories = accessories;
        check(&m, &Profile::default())
    }

    const NONE_FOUND: Accessories = Accessories {
        earrings: Some(0.001),
        hair_ornament: Some(0.0),
        neck_pattern: Some(0.01),
    };

    #[test]
    fn each_accessory_over_its_limit_fails_and_is_named() {
        assert_eq!(with(NONE_FOUND).status, Status::Pass);
        let earrings = with(Accessories {
            earrings: Some(0.03),
            ..NONE_FOUND
        });
        assert_eq!(earrings.status, Status::Fail);
        assert!(earrings.message.en.contains("ear lobes"), "{earrings:?}");
        let headband = with(Accessories {
            hair_ornament: Some(0.07),
            ..NONE_FOUND
        });
        assert_eq!(headband.status, Status::Fail);
        assert!(headband.message.zh.contains("发带"), "{headband:?}");
        assert!(!headband.message.zh.contains("耳钉"), "{headband:?}");
        let scarf = with(Accessories {
            neck_pattern: Some(0.3),
            ..NONE_FOUND
        });
        assert_eq!(scarf.status, Status::Fail);
        assert!(scarf.message.zh.contains("围巾"), "{scarf:?}");
        assert_eq!(scarf.value["neck_pattern"], serde_json::json!(0.3));
    }

    #[test]
    fn a_pass_without_face_parts_names_the_earrings_it_cannot_see() {
        // The highlights find silver, white and pearl; gold and coloured earrings need a look.
        let pass = with(NONE_FOUND);
        assert_eq!(pass.status, Status::Pass);
        assert!(
            pass.message.en.contains("gold, coloured or dark earrings"),
            "{pass:?}"
        );
        assert!(pass.message.zh.contains("金色"), "{pass:?}");
    }

    #[test]
    fn an_unreadable_region_skips_unless_another_accessory_is_found() {
        let no_lobes = Accessories {
            earrings: None,
            ..NONE_FOUND
        };
        let skip = with(no_lobes.clone());
        assert_eq!(skip.status, Status::Skip);
        assert!(skip.message.en.contains("ear lobes"), "{skip:?}");
        assert!(skip.value["earrings"].is_null());
        assert_eq!(skip.value["neck_pattern"], serde_json::json!(0.01));
        assert_eq!(
            with(Accessories {
                neck_pattern: Some(0.3),
                ..no_lobes
            })
            .status,
            Status::Fail
        );
    }

    #[test]
    fn with_face_parts_their_earrings_necklaces_and_hats_are_found() {
        let clean = clean_parts();
        let mut m = compliant();
        // The parsed earrings replace the highlights, which read clutter as earrings.
        m.person.as_mut().unwrap().accessories.earrings = Some(0.03);
        m.parts = Some(clean);
        let pass = check(&m, &Profile::default());
        assert_eq!(pass.status, Status::Pass, "{pass:?}");
        assert!(pass.message.en.contains("necklace"), "{pass:?}");
        assert!(pass.value.get("earrings").is_none());
        type Set = fn(&mut PartShares);
        let cases: [(Set, &str); 3] = [
            (|p| p.earring = 0.001, "耳饰"),
            (|p| p.necklace = 0.005, "项链"),
            (|p| p.hat = 0.2, "帽子"), // hats read 0.14–0.38 on the portraits
        ];
        for (set, word) in cases {
            let mut parts = clean;
            set(&mut parts);
            m.parts = Some(parts);
            let fail = check(&m, &Profile::default());
            assert_eq!(fail.status, Status::Fail, "{word}");
            // What was found comes before the colon; the advice after it names every item.
            let finding = fail.message.zh.split('：').next().unwrap();
            assert!(finding.contains(word), "{fail:?}");
        }
    }
}

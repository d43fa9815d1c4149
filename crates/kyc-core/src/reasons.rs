//! Verdicts and the stable reason codes behind them, with the message a
//! player is shown in each supported language.
//!
//! The codes are a public contract (see the `kyc check` contract): add new
//! ones freely, never rename or drop one.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::ParseIdError;
use crate::locale::Locale;

/// The outcome of the automatic checks, ordered from mild to severe so the
/// verdict of a report is the maximum over its reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No automatic check failed.
    Accept,
    /// The player can fix it with a new photo or a newer document.
    Retake,
    /// The checker cannot decide: a person must look.
    Review,
    /// Final.
    Reject,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Retake => "retake",
            Verdict::Review => "review",
            Verdict::Reject => "reject",
        }
    }

    /// The most severe verdict among reasons; no reasons means accept.
    pub fn of(reasons: impl IntoIterator<Item = ReasonCode>) -> Verdict {
        reasons
            .into_iter()
            .map(ReasonCode::verdict)
            .max()
            .unwrap_or(Verdict::Accept)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! reason_codes {
    ($($variant:ident = $text:literal => $verdict:ident),+ $(,)?) => {
        /// Why a document was not accepted automatically.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ReasonCode {
            $($variant),+
        }

        impl ReasonCode {
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ReasonCode::$variant => $text),+
                }
            }

            /// The verdict class this reason forces.
            pub fn verdict(self) -> Verdict {
                match self {
                    $(ReasonCode::$variant => Verdict::$verdict),+
                }
            }
        }

        impl FromStr for ReasonCode {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(ReasonCode::$variant),)+
                    _ => Err(ParseIdError { what: "reason code" }),
                }
            }
        }
    };
}

reason_codes! {
    UnsupportedFormat = "unsupported_format" => Reject,
    CorruptImage = "corrupt_image" => Retake,
    FileTooLarge = "file_too_large" => Retake,
    ImageTooLarge = "image_too_large" => Retake,
    LowResolution = "low_resolution" => Retake,
    Blurry = "blurry" => Retake,
    TooDark = "too_dark" => Retake,
    Overexposed = "overexposed" => Retake,
    Glare = "glare" => Retake,
    BlackAndWhite = "black_and_white" => Retake,
    NoDocument = "no_document" => Retake,
    EdgesNotVisible = "edges_not_visible" => Retake,
    IssueDateNotFound = "issue_date_not_found" => Review,
    AddressDocumentTooOld = "address_document_too_old" => Retake,
    IssueDateInFuture = "issue_date_in_future" => Review,
    CardNumberNotMasked = "card_number_not_masked" => Retake,
    CardLast4NotReadable = "card_last4_not_readable" => Retake,
    CardLast4Mismatch = "card_last4_mismatch" => Review,
    DocumentExpired = "document_expired" => Retake,
    Underage = "underage" => Reject,
    MrzInvalid = "mrz_invalid" => Review,
    // Reading the text needs OCR and none is installed: a person reads it.
    OcrUnavailable = "ocr_unavailable" => Review,
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ReasonCode {
    /// What the player is told, in plain words, in their language.
    pub fn message(self, locale: Locale) -> &'static str {
        let [en, az, ru, tr, kk] = self.messages();
        match locale {
            Locale::En => en,
            Locale::Az => az,
            Locale::Ru => ru,
            Locale::Tr => tr,
            Locale::Kk => kk,
        }
    }

    /// English, Azerbaijani, Russian, Turkish, Kazakh.
    fn messages(self) -> [&'static str; 5] {
        use ReasonCode::*;
        match self {
            UnsupportedFormat => [
                "This file type is not accepted. Please send a photo as JPEG or PNG.",
                "Bu fayl növü qəbul edilmir. Zəhmət olmasa, şəkli JPEG və ya PNG formatında göndərin.",
                "Этот тип файла не принимается. Отправьте фото в формате JPEG или PNG.",
                "Bu dosya türü kabul edilmiyor. Lütfen fotoğrafı JPEG veya PNG olarak gönderin.",
                "Бұл файл түрі қабылданбайды. Фотоны JPEG немесе PNG форматында жіберіңіз.",
            ],
            CorruptImage => [
                "We could not open this photo. Please take it again and send it once more.",
                "Bu şəkli aça bilmədik. Zəhmət olmasa, yenidən çəkin və göndərin.",
                "Не удалось открыть это фото. Сделайте снимок ещё раз и отправьте снова.",
                "Bu fotoğrafı açamadık. Lütfen yeniden çekip tekrar gönderin.",
                "Бұл фотоны аша алмадық. Қайта түсіріп, қайта жіберіңіз.",
            ],
            FileTooLarge => [
                "The file is too large. Please send a smaller photo.",
                "Fayl çox böyükdür. Zəhmət olmasa, daha kiçik şəkil göndərin.",
                "Файл слишком большой. Отправьте фото меньшего размера.",
                "Dosya çok büyük. Lütfen daha küçük bir fotoğraf gönderin.",
                "Файл тым үлкен. Көлемі кішірек фото жіберіңіз.",
            ],
            ImageTooLarge => [
                "The photo has too many pixels. Please send a photo taken with normal camera settings.",
                "Şəklin piksel sayı çox böyükdür. Zəhmət olmasa, adi kamera ayarları ilə çəkilmiş şəkil göndərin.",
                "В фото слишком много пикселей. Отправьте снимок, сделанный с обычными настройками камеры.",
                "Fotoğrafta çok fazla piksel var. Lütfen normal kamera ayarlarıyla çekilmiş bir fotoğraf gönderin.",
                "Фотода пиксель тым көп. Камераның қалыпты баптауымен түсірілген фото жіберіңіз.",
            ],
            LowResolution => [
                "The document is too small to read. Move the camera closer so the document fills most of the photo.",
                "Sənəd oxunmaq üçün çox kiçikdir. Kameranı yaxınlaşdırın ki, sənəd şəklin çox hissəsini tutsun.",
                "Документ слишком мелкий, его не прочитать. Поднесите камеру ближе, чтобы документ занимал большую часть кадра.",
                "Belge okunamayacak kadar küçük. Belge fotoğrafın çoğunu kaplayacak şekilde kamerayı yaklaştırın.",
                "Құжат оқуға тым кішкентай. Құжат кадрдың басым бөлігін алатындай камераны жақындатыңыз.",
            ],
            Blurry => [
                "The photo is blurry. Hold the phone still and let it focus before you take the photo.",
                "Şəkil bulanıqdır. Telefonu sabit saxlayın və çəkməzdən əvvəl fokuslanmasını gözləyin.",
                "Фото размыто. Держите телефон неподвижно и дождитесь фокусировки перед съёмкой.",
                "Fotoğraf bulanık. Telefonu sabit tutun ve çekmeden önce odaklanmasını bekleyin.",
                "Фото бұлыңғыр. Телефонды қозғалтпай ұстап, түсірер алдында фокусталуын күтіңіз.",
            ],
            TooDark => [
                "The photo is too dark. Move to a brighter place and take it again.",
                "Şəkil çox qaranlıqdır. Daha işıqlı yerə keçin və yenidən çəkin.",
                "Фото слишком тёмное. Перейдите в более светлое место и сделайте снимок снова.",
                "Fotoğraf çok karanlık. Daha aydınlık bir yere geçip tekrar çekin.",
                "Фото тым қараңғы. Жарығырақ жерге барып, қайта түсіріңіз.",
            ],
            Overexposed => [
                "The photo is too bright and washed out. Avoid direct light and take it again.",
                "Şəkil çox parlaqdır. Birbaşa işıqdan qaçın və yenidən çəkin.",
                "Фото слишком светлое, детали не видны. Избегайте прямого света и сделайте снимок снова.",
                "Fotoğraf çok parlak. Doğrudan ışıktan kaçının ve tekrar çekin.",
                "Фото тым ашық. Тікелей жарықтан аулақ болып, қайта түсіріңіз.",
            ],
            Glare => [
                "A reflection hides part of the document. Tilt it slightly or turn off the flash and take the photo again.",
                "İşıq əksi sənədin bir hissəsini gizlədir. Sənədi bir az əyin və ya flaşı söndürün, yenidən çəkin.",
                "Блик закрывает часть документа. Слегка наклоните его или выключите вспышку и сделайте снимок снова.",
                "Bir yansıma belgenin bir kısmını gizliyor. Belgeyi hafifçe eğin veya flaşı kapatıp tekrar çekin.",
                "Жарық шағылысы құжаттың бір бөлігін жауып тұр. Құжатты сәл еңкейтіңіз немесе жарқылды өшіріп, қайта түсіріңіз.",
            ],
            BlackAndWhite => [
                "This looks like a black-and-white copy. Please photograph the original document in colour.",
                "Bu qara-ağ surətə bənzəyir. Zəhmət olmasa, orijinal sənədin rəngli şəklini çəkin.",
                "Похоже на чёрно-белую копию. Сфотографируйте оригинал документа в цвете.",
                "Bu siyah beyaz bir kopyaya benziyor. Lütfen orijinal belgenin renkli fotoğrafını çekin.",
                "Бұл ақ-қара көшірмеге ұқсайды. Құжаттың түпнұсқасын түрлі түсте түсіріңіз.",
            ],
            NoDocument => [
                "We could not find a document in the photo. Place the document on a plain surface and take the photo again.",
                "Şəkildə sənəd tapa bilmədik. Sənədi düz səthə qoyun və yenidən çəkin.",
                "Мы не нашли документ на фото. Положите документ на ровную поверхность и сделайте снимок снова.",
                "Fotoğrafta belge bulamadık. Belgeyi düz bir yüzeye koyup tekrar çekin.",
                "Фотодан құжат таба алмадық. Құжатты тегіс бетке қойып, қайта түсіріңіз.",
            ],
            EdgesNotVisible => [
                "Part of the document is outside the photo. Make sure all four corners are visible.",
                "Sənədin bir hissəsi şəkildən kənardadır. Dörd küncün hamısının görünməsinə əmin olun.",
                "Часть документа не попала в кадр. Убедитесь, что видны все четыре угла.",
                "Belgenin bir kısmı fotoğrafın dışında. Dört köşenin de göründüğünden emin olun.",
                "Құжаттың бір бөлігі кадрға сыймай қалды. Төрт бұрышының бәрі көрініп тұрғанына көз жеткізіңіз.",
            ],
            IssueDateNotFound => [
                "We could not read the issue date. A member of our team will check the document.",
                "Verilmə tarixini oxuya bilmədik. Komandamızın əməkdaşı sənədi yoxlayacaq.",
                "Не удалось прочитать дату выдачи. Документ проверит наш сотрудник.",
                "Düzenleme tarihini okuyamadık. Ekibimizden biri belgeyi kontrol edecek.",
                "Берілген күнін оқи алмадық. Құжатты біздің қызметкер тексереді.",
            ],
            AddressDocumentTooOld => [
                "This document is more than 3 months old. Please send a bill or bank statement from the last 3 months.",
                "Bu sənəd 3 aydan köhnədir. Zəhmət olmasa, son 3 ayda verilmiş hesab və ya bank çıxarışı göndərin.",
                "Документу больше 3 месяцев. Отправьте счёт или банковскую выписку за последние 3 месяца.",
                "Bu belge 3 aydan eski. Lütfen son 3 ay içinde düzenlenmiş bir fatura veya banka ekstresi gönderin.",
                "Бұл құжатқа 3 айдан асқан. Соңғы 3 айдағы шотты немесе банк үзінді көшірмесін жіберіңіз.",
            ],
            IssueDateInFuture => [
                "The date on this document is in the future. A member of our team will check it.",
                "Bu sənəddəki tarix gələcəkdədir. Komandamızın əməkdaşı onu yoxlayacaq.",
                "Дата на документе ещё не наступила. Документ проверит наш сотрудник.",
                "Bu belgedeki tarih ileri bir tarih. Ekibimizden biri kontrol edecek.",
                "Құжаттағы күн әлі келмеген. Құжатты біздің қызметкер тексереді.",
            ],
            CardNumberNotMasked => [
                "Cover all card digits except the last four, then take the photo again.",
                "Son dörd rəqəmdən başqa bütün kart rəqəmlərini örtün və yenidən çəkin.",
                "Закройте все цифры карты, кроме последних четырёх, и сделайте снимок снова.",
                "Son dört hane dışındaki tüm kart numaralarını kapatın ve tekrar çekin.",
                "Соңғы төртеуінен басқа карта сандарының бәрін жабыңыз да, қайта түсіріңіз.",
            ],
            CardLast4NotReadable => [
                "We could not read the last four digits of the card. Make sure they are visible and sharp.",
                "Kartın son dörd rəqəmini oxuya bilmədik. Onların görünən və aydın olduğuna əmin olun.",
                "Не удалось прочитать последние четыре цифры карты. Убедитесь, что они видны и чётки.",
                "Kartın son dört hanesini okuyamadık. Görünür ve net olduklarından emin olun.",
                "Картаның соңғы төрт санын оқи алмадық. Олардың көрініп, анық тұрғанына көз жеткізіңіз.",
            ],
            CardLast4Mismatch => [
                "The card does not match the one on your account. A member of our team will check it.",
                "Kart hesabınızdakı kartla uyğun gəlmir. Komandamızın əməkdaşı onu yoxlayacaq.",
                "Карта не совпадает с картой в вашем аккаунте. Её проверит наш сотрудник.",
                "Kart, hesabınızdaki kartla eşleşmiyor. Ekibimizden biri kontrol edecek.",
                "Карта аккаунтыңыздағы картаға сәйкес келмейді. Оны біздің қызметкер тексереді.",
            ],
            DocumentExpired => [
                "This document has expired. Please send a valid document.",
                "Bu sənədin müddəti bitib. Zəhmət olmasa, etibarlı sənəd göndərin.",
                "Срок действия документа истёк. Отправьте действующий документ.",
                "Bu belgenin süresi dolmuş. Lütfen geçerli bir belge gönderin.",
                "Бұл құжаттың мерзімі өтіп кеткен. Жарамды құжат жіберіңіз.",
            ],
            Underage => [
                "You must be 18 or older to use this service.",
                "Bu xidmətdən istifadə etmək üçün 18 yaşınız tamam olmalıdır.",
                "Для использования сервиса вам должно быть не меньше 18 лет.",
                "Bu hizmeti kullanmak için 18 yaşında veya daha büyük olmalısınız.",
                "Бұл қызметті пайдалану үшін сізге кемінде 18 жас болуы керек.",
            ],
            MrzInvalid => [
                "We could not confirm the code at the bottom of the document. A member of our team will check it.",
                "Sənədin aşağısındakı kodu təsdiqləyə bilmədik. Komandamızın əməkdaşı onu yoxlayacaq.",
                "Не удалось проверить код внизу документа. Документ проверит наш сотрудник.",
                "Belgenin altındaki kodu doğrulayamadık. Ekibimizden biri kontrol edecek.",
                "Құжаттың төменгі жағындағы кодты растай алмадық. Құжатты біздің қызметкер тексереді.",
            ],
            OcrUnavailable => [
                "A member of our team will read this document.",
                "Bu sənədi komandamızın əməkdaşı oxuyacaq.",
                "Этот документ прочитает наш сотрудник.",
                "Bu belgeyi ekibimizden biri okuyacak.",
                "Бұл құжатты біздің қызметкер оқиды.",
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_is_the_most_severe_reason() {
        assert_eq!(Verdict::of([]), Verdict::Accept);
        assert_eq!(Verdict::of([ReasonCode::Blurry]), Verdict::Retake);
        assert_eq!(
            Verdict::of([ReasonCode::Blurry, ReasonCode::IssueDateNotFound]),
            Verdict::Review
        );
        assert_eq!(
            Verdict::of([
                ReasonCode::MrzInvalid,
                ReasonCode::Underage,
                ReasonCode::Glare
            ]),
            Verdict::Reject
        );
    }

    #[test]
    fn every_code_round_trips_and_has_a_message_in_every_language() {
        for code in ReasonCode::ALL {
            assert_eq!(code.as_str().parse::<ReasonCode>().unwrap(), *code);
            assert_eq!(
                serde_json::to_string(code).unwrap(),
                format!("\"{}\"", code.as_str())
            );
            let messages: Vec<_> = Locale::ALL.iter().map(|l| code.message(*l)).collect();
            for m in &messages {
                assert!(m.len() > 10, "{code}: empty message");
            }
            // A translation that equals the English text was never translated.
            for m in &messages[1..] {
                assert_ne!(*m, messages[0], "{code}: untranslated message");
            }
        }
    }

    #[test]
    fn contract_classes_hold() {
        assert_eq!(ReasonCode::UnsupportedFormat.verdict(), Verdict::Reject);
        assert_eq!(ReasonCode::Underage.verdict(), Verdict::Reject);
        assert_eq!(ReasonCode::CardLast4Mismatch.verdict(), Verdict::Review);
        assert_eq!(ReasonCode::EdgesNotVisible.verdict(), Verdict::Retake);
    }
}
